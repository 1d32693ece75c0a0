//! `register_change` is pruned without changing what any reader learns from it: for every
//! version a reader may have kept, the rows after it say the same (or, past the limit, "judge
//! the whole register again") before and after the pruning.

use crate::{db_tests, fixtures, support::TestApp};
use rand::{SeedableRng, rngs::StdRng};
use transfer_register::service::verdicts::{
    self,
    kept::{Changes, changes_at_most},
    prune::prune_keeping,
};

db_tests!(pruned_change_rows_tell_every_reader_what_they_told_before);

/// What a reader kept at each version learns (the touched rows only when it goes row by row).
async fn learnt(app: &TestApp, upto: i64, at_most: usize) -> Vec<String> {
    let mut out = Vec::new();
    for after in 0..=upto {
        let c: Changes = changes_at_most(&app.state.db, after, upto, at_most)
            .await
            .expect("changes");
        out.push(if c.whole {
            format!("{after}: whole")
        } else {
            format!("{after}: {:?} {:?}", c.flows, c.organisations)
        });
    }
    out
}

async fn pruned_change_rows_tell_every_reader_what_they_told_before(app: TestApp) {
    fixtures::seed(&app).await;
    let mut rng = StdRng::seed_from_u64(7);
    for _ in 0..40 {
        crate::incremental::random_write(&app, &mut rng).await;
        // On PostgreSQL a reader numbers what committed since the last read: one version each.
        verdicts::sequenced_version(&app.state.db)
            .await
            .expect("version");
    }
    let upto = verdicts::sequenced_version(&app.state.db)
        .await
        .expect("version");
    let rows = app.count("register_change").await;
    let at_most = 12;
    assert!(
        rows > 3 * at_most as i64,
        "the writes left {rows} change rows"
    );
    let before = learnt(&app, upto, at_most).await;
    let deleted = prune_keeping(&app.state.db, at_most).await.expect("pruned");
    assert_eq!(learnt(&app, upto, at_most).await, before);
    let left = app.count("register_change").await;
    assert!(deleted > 0, "nothing pruned of {rows}");
    assert_eq!(left, rows - deleted as i64);
    assert!(left > at_most as i64, "at least {at_most} + 1 rows stay");
    // Pruning again deletes nothing more.
    assert_eq!(
        prune_keeping(&app.state.db, at_most).await.expect("again"),
        0
    );
    // With the real limit, a small register keeps every row.
    assert_eq!(
        verdicts::prune::prune_changes(&app.state.db)
            .await
            .expect("pruned"),
        0
    );
}
