//! The test harness: a fresh database per test (SQLite file, or a new PostgreSQL database
//! dropped afterwards), the real migrations, and helpers to run GraphQL as a given role.

use futures::FutureExt;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use std::{
    future::Future,
    panic::AssertUnwindSafe,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};
use transfer_register::{
    AppState,
    config::Config,
    db,
    domain::vocab::Role,
    graphql::context::Auth,
    service::tokens::{self, Principal},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub state: AppState,
    pub backend: Backend,
    statements: Arc<AtomicUsize>,
    admin: tokio::sync::OnceCell<Principal>,
    _dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

/// Runs `body` against a fresh app on `backend`, cleaning up even when it panics.
pub async fn run<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    // PostgreSQL tests are marked ignored at build time without TEST_POSTGRES_URL (build.rs); one
    // run anyway (`--ignored`) must not pass without having run.
    log::install();
    let Some(app) = TestApp::spawn(backend).await else {
        panic!("TEST_POSTGRES_URL is not set: this PostgreSQL test cannot run");
    };
    let cleanup = app.pg.clone();
    let outcome = AssertUnwindSafe(body(app)).catch_unwind().await;
    if let Some((admin_url, name)) = cleanup {
        drop_database(&admin_url, &name).await;
    }
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// The service's error log, captured for the whole test process.
///
/// One global subscriber, installed before any test logs: a scoped subscriber per test races
/// with the other tests' threads over `tracing`'s callsite cache and can miss an event. Tests
/// find their own lines by the request id they ran under.
pub mod log {
    use std::sync::{Mutex, OnceLock};

    static LINES: OnceLock<Buffer> = OnceLock::new();

    #[derive(Clone, Copy)]
    struct Buffer(&'static Mutex<Vec<u8>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("log buffer").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Installs the capturing subscriber (errors only) once; every test calls it first.
    pub fn install() {
        LINES.get_or_init(|| {
            let buffer = Buffer(Box::leak(Box::default()));
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::ERROR)
                .with_writer(move || buffer)
                .with_ansi(false)
                .finish();
            tracing::subscriber::set_global_default(subscriber).expect("one global subscriber");
            buffer
        });
    }

    /// The captured lines that mention `needle` (a request id).
    pub fn lines_with(needle: &str) -> Vec<String> {
        install();
        let bytes = LINES
            .get()
            .expect("installed")
            .0
            .lock()
            .expect("log")
            .clone();
        String::from_utf8_lossy(&bytes)
            .lines()
            .filter(|l| l.contains(needle))
            .map(str::to_string)
            .collect()
    }
}

async fn drop_database(admin_url: &str, name: &str) {
    if let Ok(admin) = Database::connect(admin_url).await {
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await;
        let _ = admin.close().await;
    }
}

/// `postgres://user@host:port/db?x` with its database replaced.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

impl TestApp {
    /// A fresh app, or `None` for PostgreSQL when `TEST_POSTGRES_URL` is unset.
    /// A set but unreachable `TEST_POSTGRES_URL` fails loudly.
    pub async fn spawn(backend: Backend) -> Option<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        let (url, pg) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}", dir.path().join("register.sqlite").display()),
                None,
            ),
            Backend::Postgres => {
                let admin_url = std::env::var("TEST_POSTGRES_URL")
                    .ok()
                    .filter(|u| !u.is_empty())?;
                let name = format!("tr_test_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(&admin_url).await.unwrap_or_else(|e| {
                    panic!("TEST_POSTGRES_URL={admin_url} is unreachable: {e}")
                });
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .unwrap_or_else(|e| panic!("creating test database {name}: {e}"));
                let _ = admin.close().await;
                (with_database(&admin_url, &name), Some((admin_url, name)))
            }
        };
        let mut config = Config::for_database(url);
        config.secret = Some("test-secret-0123456789abcdef".into());
        config.webhook_allow_insecure = true;
        // The service's split: one writer and, on SQLite, a pool of read-only WAL readers (on
        // PostgreSQL both are the same pool). Every statement of either is counted.
        let mut write: DatabaseConnection =
            db::connect(&config).await.expect("connect and migrate");
        let statements = Arc::new(AtomicUsize::new(0));
        let count = |db: &mut DatabaseConnection| {
            let counter = statements.clone();
            db.set_metric_callback(move |info| {
                counter.fetch_add(1, Ordering::SeqCst);
                if std::env::var("TEST_LOG_SQL").is_ok() {
                    eprintln!("SQL: {}", info.statement);
                }
            });
        };
        count(&mut write);
        let read = if config.sqlite_path().is_some() {
            let mut read = db::connect_readers(&config, &write).await.expect("readers");
            count(&mut read);
            read
        } else {
            write.clone()
        };
        let state = AppState::with_pools(config, db::Pools { write, read })
            .await
            .expect("state");
        Some(Self {
            state,
            backend,
            statements,
            admin: tokio::sync::OnceCell::new(),
            _dir: dir,
            pg,
        })
    }

    /// SQL statements run so far on the app's connection.
    pub fn statements(&self) -> usize {
        self.statements.load(Ordering::SeqCst)
    }

    /// A principal of `role` backed by a real token row (PROCESSOR tokens need an organisation).
    pub async fn principal(&self, role: Role, organisation: Option<i64>) -> Principal {
        let name = format!(
            "{}-{}",
            role.as_str().to_lowercase(),
            uuid::Uuid::new_v4().simple()
        );
        let (_, secret) = tokens::create(
            &self.state.db,
            &self.state.audit_key,
            &name,
            role,
            organisation,
            None,
        )
        .await
        .expect("token");
        tokens::authenticate(&self.state.db, &secret)
            .await
            .expect("auth")
            .expect("principal")
    }

    /// Creates a token of `role` and returns its secret, for HTTP tests.
    pub async fn token(&self, role: Role) -> String {
        let name = format!(
            "{}-{}",
            role.as_str().to_lowercase(),
            uuid::Uuid::new_v4().simple()
        );
        tokens::create(
            &self.state.db,
            &self.state.audit_key,
            &name,
            role,
            None,
            None,
        )
        .await
        .expect("token")
        .1
    }

    /// Runs a GraphQL document in-process as `auth`; returns the JSON response (data and errors).
    pub async fn exec(&self, auth: Auth, query: &str, variables: Value) -> Value {
        let request = async_graphql::Request::new(query)
            .variables(async_graphql::Variables::from_json(variables));
        let response = transfer_register::http::execute(&self.state, auth, request).await;
        serde_json::to_value(&response).expect("response json")
    }

    /// Runs a GraphQL document as an ADMIN.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        let admin = self
            .admin
            .get_or_init(|| self.principal(Role::Admin, None))
            .await
            .clone();
        self.exec(Auth::Token(admin), query, variables).await
    }

    /// Runs a GraphQL document as an ADMIN and returns `data`, failing on any error.
    pub async fn ok(&self, query: &str, variables: Value) -> Value {
        let response = self.gql(query, variables).await;
        assert!(
            response
                .get("errors")
                .is_none_or(|e| e.as_array().is_some_and(Vec::is_empty)),
            "unexpected errors: {response:#}"
        );
        response["data"].clone()
    }

    /// Serves the real router on a loopback port; returns its base URL.
    pub async fn serve(&self) -> String {
        self.serve_state(self.state.clone()).await
    }

    /// Serves the same database under a changed configuration (limits, switches).
    pub async fn serve_with(&self, change: impl FnOnce(&mut Config)) -> String {
        let mut config = (*self.state.config).clone();
        change(&mut config);
        let pools = db::Pools {
            write: self.state.db.clone(),
            read: self.state.read_db.clone(),
        };
        let state = AppState::with_pools(config, pools).await.expect("state");
        self.serve_state(state).await
    }

    /// Serves `state` with the server `serve` runs (its connection limits included).
    async fn serve_state(&self, state: AppState) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let config = state.config.clone();
        let router = transfer_register::app(state);
        tokio::spawn(async move {
            let _ = transfer_register::http::server::run(
                listener,
                &config,
                router,
                std::future::pending(),
            )
            .await;
        });
        format!("http://{addr}")
    }

    /// Number of rows in `table`, to show a refused mutation changed nothing.
    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .state
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                self.state.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count")
            .expect("row");
        row.try_get::<i64>("", "n").expect("n")
    }
}

/// The single error of a response, asserting its code (and field where given).
pub fn assert_error(response: &Value, code: &str, field: Option<&str>) {
    let errors = response["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("expected an error: {response:#}"));
    assert_eq!(errors.len(), 1, "expected one error: {response:#}");
    assert_eq!(errors[0]["extensions"]["code"], json!(code), "{response:#}");
    if let Some(field) = field {
        assert_eq!(
            errors[0]["extensions"]["field"],
            json!(field),
            "{response:#}"
        );
    }
}

/// Declares each listed `async fn name(app: TestApp)` as a test on SQLite and on PostgreSQL.
///
/// A test that means something on one database only is marked so, and runs and counts once:
/// `db_tests!(sqlite_only: name, ...)` (SQLite's single writer connection lets a test hold every
/// write up at will; its file can be read from outside) or `db_tests!(postgres_only: name, ...)`
/// (several instances sharing one server). Say in the test why it is that database's alone.
#[macro_export]
macro_rules! db_tests {
    (sqlite_only: $($name:ident),+ $(,)?) => {
        mod sqlite_only {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::support::run($crate::support::Backend::Sqlite, super::$name).await
                }
            )+
        }
    };
    (postgres_only: $($name:ident),+ $(,)?) => {
        mod postgres_only {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(not(postgres_tests), ignore = "TEST_POSTGRES_URL is not set")]
                async fn $name() {
                    $crate::support::run($crate::support::Backend::Postgres, super::$name).await
                }
            )+
        }
    };
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::support::run($crate::support::Backend::Sqlite, super::$name).await
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(not(postgres_tests), ignore = "TEST_POSTGRES_URL is not set")]
                async fn $name() {
                    $crate::support::run($crate::support::Backend::Postgres, super::$name).await
                }
            )+
        }
    };
}

/// `db_tests!(sqlite_only: ...)`, under the name the suite has used.
#[macro_export]
macro_rules! sqlite_tests {
    ($($name:ident),+ $(,)?) => {
        $crate::db_tests!(sqlite_only: $($name),+);
    };
}

/// Waits until `done` holds, checking every 5 ms, for 30 s at most; then fails naming `what`.
/// Every wait of the suite has a bound and says what it waited for.
pub async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "gave up after 30 s waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}
