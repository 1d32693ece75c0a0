//! The change feed behind `dataSubjectRequestUpdated`: the id of each request that changed,
//! published after the change commits.
//!
//! On SQLite (one process) an in-process broadcast carries it. On PostgreSQL the database does:
//! `publish` sends `NOTIFY`, and every instance listens and re-broadcasts to its own subscribers,
//! so a dashboard connected to one instance sees what another instance, or a separate `worker`
//! process, changed.

use entity::{dsr_request, dsr_task};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait, Statement,
    sqlx::postgres::PgListener,
};
use std::sync::Arc;
use tokio::sync::broadcast;

const CHANNEL: &str = "dsr_request_updated";

/// A changed request and its tasks as read after the change.
#[derive(Debug)]
pub struct Loaded {
    pub request: dsr_request::Model,
    pub tasks: Arc<Vec<dsr_task::Model>>,
}

#[derive(Clone, Debug)]
pub struct DsrEvents {
    local: broadcast::Sender<i64>,
    /// Set on PostgreSQL: publishing goes through the database.
    notify: Option<DatabaseConnection>,
    /// Each changed request with its tasks, read once here and shared by every subscriber (set
    /// when the feed has a database to read from).
    loaded: Option<broadcast::Sender<Arc<Loaded>>>,
}

impl Default for DsrEvents {
    fn default() -> Self {
        Self {
            local: broadcast::channel(1024).0,
            notify: None,
            loaded: None,
        }
    }
}

impl DsrEvents {
    /// The feed for `db`: on PostgreSQL it starts this instance's listener.
    pub fn for_database(db: &DatabaseConnection) -> Self {
        let mut events = Self::default();
        if db.get_database_backend() == DatabaseBackend::Postgres {
            events.notify = Some(db.clone());
            tokio::spawn(listen(db.clone(), events.local.clone()));
        }
        let loaded = broadcast::channel(1024).0;
        tokio::spawn(read_once(
            db.clone(),
            events.local.subscribe(),
            loaded.clone(),
        ));
        events.loaded = Some(loaded);
        events
    }

    /// No subscriber is not an error: nobody is watching.
    pub fn publish(&self, request_id: i64) {
        match &self.notify {
            None => {
                let _ = self.local.send(request_id);
            }
            Some(db) => {
                let db = db.clone();
                tokio::spawn(async move {
                    let notify = Statement::from_sql_and_values(
                        DatabaseBackend::Postgres,
                        "SELECT pg_notify($1, $2)",
                        [CHANNEL.into(), request_id.to_string().into()],
                    );
                    if let Err(err) = db.execute_raw(notify).await {
                        tracing::warn!(error = %err, request_id, "could not announce a request change");
                    }
                });
            }
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<i64> {
        self.local.subscribe()
    }

    /// Each changed request and its tasks as read once for all subscribers, where the feed
    /// reads them.
    pub fn subscribe_loaded(&self) -> Option<broadcast::Receiver<Arc<Loaded>>> {
        self.loaded.as_ref().map(broadcast::Sender::subscribe)
    }
}

/// Reads each changed request and its tasks once, when anyone is listening, and shares them:
/// one change costs one read (two statements) whatever the number of subscribers. Ends when
/// the feed is dropped.
async fn read_once(
    db: DatabaseConnection,
    mut changes: broadcast::Receiver<i64>,
    loaded: broadcast::Sender<Arc<Loaded>>,
) {
    loop {
        let id = match changes.recv().await {
            Ok(id) => id,
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "the request change reader fell behind");
                continue;
            }
            Err(broadcast::error::RecvError::Closed) => return,
        };
        if loaded.receiver_count() == 0 {
            continue;
        }
        match load(&db, id).await {
            Ok(Some(row)) => {
                let _ = loaded.send(Arc::new(row));
            }
            Ok(None) => {}
            Err(err) => {
                tracing::warn!(error = %err, request_id = id, "reading a changed request failed");
            }
        }
    }
}

/// The request `id` and its tasks, as the subscription shows them.
pub async fn load(db: &DatabaseConnection, id: i64) -> crate::error::AppResult<Option<Loaded>> {
    let Some(request) = dsr_request::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let tasks = super::read::tasks_of(db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok(Some(Loaded {
        request,
        tasks: Arc::new(tasks),
    }))
}

/// Re-broadcasts the database's notifications here, reconnecting when the connection drops;
/// it ends with the runtime.
async fn listen(db: DatabaseConnection, local: broadcast::Sender<i64>) {
    loop {
        match relay(&db, &local).await {
            Err(err) => tracing::warn!(error = %err, "request change listener stopped; retrying"),
            Ok(never) => match never {},
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

async fn relay(
    db: &DatabaseConnection,
    local: &broadcast::Sender<i64>,
) -> Result<std::convert::Infallible, sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect_with(db.get_postgres_connection_pool()).await?;
    listener.listen(CHANNEL).await?;
    loop {
        let notification = listener.recv().await?;
        if let Ok(id) = notification.payload().parse::<i64>() {
            let _ = local.send(id);
        }
    }
}
