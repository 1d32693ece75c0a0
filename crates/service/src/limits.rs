//! Limits on shared capacity: the bounded pool of whole-register work, and the number of open
//! subscriptions per token and in total. A refusal is `CONFLICT` with `extensions.reason`
//! `BUSY` ([`AppError::Busy`]): nothing is wrong with the request, and it may succeed unchanged
//! a little later.

use crate::{
    config::Config,
    error::{AppError, AppResult},
};
use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The capacity limits of one server, shared by all its requests.
#[derive(Debug)]
pub struct Limits {
    expensive: Arc<Semaphore>,
    expensive_wait: Duration,
    subscriptions: Mutex<Subscriptions>,
    per_token: usize,
    total: usize,
    sockets: Arc<Semaphore>,
    max_sockets: usize,
    /// Sockets not yet authenticated, by client address (see [`Limits::open_unauthenticated_socket`]).
    unauthenticated: Arc<Mutex<HashMap<IpAddr, usize>>>,
    unauthenticated_per_address: usize,
}

#[derive(Debug, Default)]
struct Subscriptions {
    total: usize,
    by_token: HashMap<i64, usize>,
}

impl Limits {
    pub fn new(config: &Config) -> Self {
        Self {
            expensive: Arc::new(Semaphore::new(config.expensive_concurrency.max(1) as usize)),
            expensive_wait: Duration::from_millis(config.expensive_wait_ms),
            subscriptions: Mutex::default(),
            per_token: config.max_subscriptions_per_token,
            total: config.max_subscriptions,
            sockets: Arc::new(Semaphore::new(config.max_sockets)),
            max_sockets: config.max_sockets,
            unauthenticated: Arc::default(),
            unauthenticated_per_address: config.ws_unauthenticated_per_address,
        }
    }

    /// A place in the pool of whole-register work, held until the permit is dropped (with the
    /// request's future, so a timed-out request gives its place back). Waits at most the
    /// configured time, then refuses as busy.
    pub async fn expensive(&self, what: &str) -> AppResult<OwnedSemaphorePermit> {
        match tokio::time::timeout(self.expensive_wait, self.expensive.clone().acquire_owned())
            .await
        {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_closed)) => Err(AppError::internal(anyhow::anyhow!(
                "the pool of whole-register work is closed"
            ))),
            Err(_elapsed) => Err(AppError::Busy(format!(
                "{what} reads the whole register, and as many such queries as this server runs at once (REGISTER_EXPENSIVE_CONCURRENCY) are running: try again shortly"
            ))),
        }
    }

    /// Places free in the pool of whole-register work now.
    pub fn expensive_available(&self) -> usize {
        self.expensive.available_permits()
    }

    /// Opens a subscription for the token `token_id`, or refuses when the token or the server
    /// holds as many as allowed. The subscription counts until the guard is dropped.
    pub fn open_subscription(self: &Arc<Self>, token_id: i64) -> AppResult<SubscriptionGuard> {
        let mut open = self
            .subscriptions
            .lock()
            .map_err(|_| AppError::internal(anyhow::anyhow!("subscription counts poisoned")))?;
        if open.total >= self.total {
            return Err(AppError::Busy(format!(
                "this server holds {} subscriptions, its limit (REGISTER_MAX_SUBSCRIPTIONS): try again later",
                self.total
            )));
        }
        let mine = open.by_token.entry(token_id).or_default();
        if *mine >= self.per_token {
            return Err(AppError::Busy(format!(
                "this token holds {} subscriptions, its limit (REGISTER_MAX_SUBSCRIPTIONS_PER_TOKEN): close one first",
                self.per_token
            )));
        }
        *mine += 1;
        open.total += 1;
        Ok(SubscriptionGuard {
            limits: self.clone(),
            token_id,
        })
    }

    /// A place for one more WebSocket, held (with the socket) until the permit is dropped;
    /// refused at once when the server holds as many as allowed, so sockets that never speak
    /// cannot pile up.
    pub fn open_socket(&self) -> AppResult<OwnedSemaphorePermit> {
        self.sockets.clone().try_acquire_owned().map_err(|_| {
            AppError::Busy(format!(
                "this server holds {} WebSockets, its limit (REGISTER_MAX_SOCKETS): try again later",
                self.max_sockets
            ))
        })
    }

    /// A place for a WebSocket that has not yet named a valid token, from the small allowance of
    /// its client address, so that anonymous sockets cannot take the places of authenticated ones
    /// ([`Limits::open_socket`]). Held until the guard is dropped (the socket authenticates and
    /// moves to the main pool, or closes).
    pub fn open_unauthenticated_socket(&self, address: IpAddr) -> AppResult<UnauthenticatedSocket> {
        let mut open = self
            .unauthenticated
            .lock()
            .map_err(|_| AppError::internal(anyhow::anyhow!("socket counts poisoned")))?;
        let mine = open.entry(address).or_default();
        if *mine >= self.unauthenticated_per_address {
            return Err(AppError::Busy(format!(
                "this address holds {} WebSockets that have not authenticated, its limit (REGISTER_WS_UNAUTHENTICATED_PER_ADDRESS): send connection_init with a token on those first",
                self.unauthenticated_per_address
            )));
        }
        *mine += 1;
        Ok(UnauthenticatedSocket {
            open: self.unauthenticated.clone(),
            address,
        })
    }

    /// WebSockets open now.
    pub fn open_sockets(&self) -> usize {
        self.max_sockets - self.sockets.available_permits()
    }

    /// Subscriptions open now, in total.
    pub fn open_subscriptions(&self) -> usize {
        self.subscriptions.lock().map_or(0, |open| open.total)
    }
}

/// Runs whole-register work, its reads and its computation, on the blocking pool, holding
/// `turn` until it ends: the runtime's threads stay free for cheap queries, and the pool stays
/// the bound on how much such work runs at once. A request dropped meanwhile (a timeout, a client
/// gone) stops the work at its next read and frees the turn then; a computation already running
/// finishes first, still holding the turn, so no more than the pool's size ever runs.
pub async fn run_expensive<T, F>(turn: OwnedSemaphorePermit, work: F) -> AppResult<T>
where
    T: Send + 'static,
    F: Future<Output = AppResult<T>> + Send + 'static,
{
    run_expensive_keeping(turn, work).await.map(|(out, _)| out)
}

/// As [`run_expensive`], handing the turn back with the result for work that goes on (an
/// export's rendering).
pub async fn run_expensive_keeping<T, F>(
    turn: OwnedSemaphorePermit,
    work: F,
) -> AppResult<(T, OwnedSemaphorePermit)>
where
    T: Send + 'static,
    F: Future<Output = AppResult<T>> + Send + 'static,
{
    let runtime = tokio::runtime::Handle::current();
    let abandoned = tokio_util::sync::CancellationToken::new();
    // Dropped with this future: the request was abandoned.
    let _abandon_on_drop = abandoned.clone().drop_guard();
    tokio::task::spawn_blocking(move || {
        let out = runtime.block_on(async {
            tokio::select! {
                biased;
                () = abandoned.cancelled() => Err(AppError::internal(anyhow::anyhow!(
                    "whole-register work abandoned by its request"
                ))),
                out = work => out,
            }
        });
        out.map(|out| (out, turn))
    })
    .await
    .map_err(AppError::internal)?
}

/// A place of an address's allowance of unauthenticated sockets; dropping it frees it.
#[derive(Debug)]
pub struct UnauthenticatedSocket {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
    address: IpAddr,
}

impl Drop for UnauthenticatedSocket {
    fn drop(&mut self) {
        if let Ok(mut open) = self.open.lock()
            && let Some(n) = open.get_mut(&self.address)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.address);
            }
        }
    }
}

/// One open subscription; dropping it (the stream ends or the socket closes) frees its place.
#[derive(Debug)]
pub struct SubscriptionGuard {
    limits: Arc<Limits>,
    token_id: i64,
}

impl Drop for SubscriptionGuard {
    fn drop(&mut self) {
        if let Ok(mut open) = self.limits.subscriptions.lock() {
            open.total = open.total.saturating_sub(1);
            if let Some(n) = open.by_token.get_mut(&self.token_id) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    open.by_token.remove(&self.token_id);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_token: usize, total: usize) -> Arc<Limits> {
        let mut config = Config::for_database("sqlite::memory:");
        config.max_subscriptions_per_token = per_token;
        config.max_subscriptions = total;
        config.expensive_concurrency = 1;
        config.expensive_wait_ms = 10;
        Arc::new(Limits::new(&config))
    }

    #[test]
    fn subscriptions_are_limited_per_token_and_in_total_and_freed_on_drop() {
        let limits = limits(2, 3);
        let a1 = limits.open_subscription(1).expect("first");
        let _a2 = limits.open_subscription(1).expect("second");
        assert!(matches!(
            limits.open_subscription(1),
            Err(AppError::Busy(_))
        ));
        let _b1 = limits.open_subscription(2).expect("another token");
        assert!(
            matches!(limits.open_subscription(3), Err(AppError::Busy(_))),
            "the total is reached"
        );
        drop(a1);
        assert_eq!(limits.open_subscriptions(), 2);
        limits.open_subscription(1).expect("a place was freed");
    }

    #[test]
    fn sockets_are_limited_in_total_and_freed_on_drop() {
        let mut config = Config::for_database("sqlite::memory:");
        config.max_sockets = 2;
        let limits = Limits::new(&config);
        let first = limits.open_socket().expect("first");
        let _second = limits.open_socket().expect("second");
        assert!(matches!(limits.open_socket(), Err(AppError::Busy(_))));
        assert_eq!(limits.open_sockets(), 2);
        drop(first);
        let _again = limits.open_socket().expect("a place was freed");
    }

    /// With one runtime thread, work that blocks its thread would starve every other task: the
    /// task that unblocks it could never run.
    #[test]
    fn whole_register_work_runs_off_the_runtime_threads_and_keeps_its_turn_until_done() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let limits = limits(1, 1);
        let held = limits.clone();
        runtime.spawn(async move {
            let turn = held.expensive("whatIf").await.expect("a place");
            let (unblock_tx, unblock_rx) = std::sync::mpsc::channel::<()>();
            let work = tokio::spawn(run_expensive(turn, async move {
                // Blocks its thread, as a long computation does.
                unblock_rx.recv().map_err(AppError::internal)
            }));
            tokio::task::yield_now().await;
            let busy_meanwhile = held.expensive_available();
            let _ = unblock_tx.send(());
            let outcome = work.await.map(|r| r.is_ok());
            let _ = done_tx.send((busy_meanwhile, outcome, held.expensive_available()));
        });
        match done_rx.recv_timeout(Duration::from_secs(20)) {
            Ok((busy_meanwhile, outcome, after)) => {
                assert_eq!(busy_meanwhile, 0, "the turn is held while the work runs");
                assert!(matches!(outcome, Ok(true)), "{outcome:?}");
                assert_eq!(after, 1, "and given back when it ends");
                drop(runtime);
            }
            Err(_) => {
                runtime.shutdown_background();
                panic!("the work blocked the runtime's only thread");
            }
        }
    }

    #[tokio::test]
    async fn abandoned_work_stops_at_its_next_wait_and_frees_its_turn() {
        let limits = limits(1, 1);
        let turn = limits.expensive("whatIf").await.expect("a place");
        let (_never_tx, never_rx) = tokio::sync::oneshot::channel::<()>();
        let work = run_expensive(turn, async move {
            // A read that never answers.
            never_rx.await.map_err(AppError::internal)
        });
        assert!(
            tokio::time::timeout(Duration::from_millis(50), work)
                .await
                .is_err(),
            "the request gave up"
        );
        let freed = tokio::time::timeout(Duration::from_secs(10), async {
            while limits.expensive_available() == 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        assert!(freed.is_ok(), "the abandoned work never gave its turn back");
    }

    #[test]
    fn unauthenticated_sockets_have_a_small_allowance_per_address_apart_from_the_main_pool() {
        let mut config = Config::for_database("sqlite::memory:");
        config.max_sockets = 1;
        config.ws_unauthenticated_per_address = 2;
        let limits = Limits::new(&config);
        let here: IpAddr = [192, 0, 2, 1].into();
        let there: IpAddr = [192, 0, 2, 2].into();
        let first = limits.open_unauthenticated_socket(here).expect("first");
        let _second = limits.open_unauthenticated_socket(here).expect("second");
        assert!(matches!(
            limits.open_unauthenticated_socket(here),
            Err(AppError::Busy(_))
        ));
        let _elsewhere = limits
            .open_unauthenticated_socket(there)
            .expect("another address has its own");
        let _main = limits
            .open_socket()
            .expect("the main pool is untouched by unauthenticated sockets");
        drop(first);
        let _again = limits
            .open_unauthenticated_socket(here)
            .expect("a place was freed");
    }

    #[tokio::test]
    async fn whole_register_work_waits_a_bounded_time_then_is_refused_as_busy() {
        let limits = limits(1, 1);
        let held = limits.expensive("transferRegister").await.expect("a place");
        let refused = limits.expensive("transferRegister").await;
        assert!(matches!(refused, Err(AppError::Busy(_))));
        drop(held);
        let _again = limits.expensive("transferRegister").await.expect("freed");
    }
}
