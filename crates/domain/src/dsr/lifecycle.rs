//! How a task moves, and the request status that follows from its tasks.
//!
//! A task starts `PENDING`; delivery makes it `SENT` (or `FAILED` after the last attempt); the
//! holder (or the DPO) confirms it `ACKNOWLEDGED`, `COMPLETED` or `EXEMPT`. `COMPLETED` and
//! `EXEMPT` are final: proof once given is not taken back.

use crate::vocab::{DsrStatus, TaskOutcome, TaskStatus};
use chrono::NaiveDate;

/// Whether a task is finished for the purpose of its request.
pub fn is_done(status: TaskStatus) -> bool {
    matches!(status, TaskStatus::Completed | TaskStatus::Exempt)
}

/// Why a confirmation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("the task is already {0} and cannot change")]
    Final(TaskStatus),
    #[error("the task is already ACKNOWLEDGED")]
    Repeated,
}

/// The status a confirmation moves a task to.
pub fn confirm(current: TaskStatus, outcome: TaskOutcome) -> Result<TaskStatus, TransitionError> {
    if is_done(current) {
        return Err(TransitionError::Final(current));
    }
    Ok(match outcome {
        TaskOutcome::Acknowledged if current == TaskStatus::Acknowledged => {
            return Err(TransitionError::Repeated);
        }
        TaskOutcome::Acknowledged => TaskStatus::Acknowledged,
        TaskOutcome::Completed => TaskStatus::Completed,
        TaskOutcome::Exempt => TaskStatus::Exempt,
    })
}

/// The request's status: `COMPLETED` when every task is `COMPLETED` or `EXEMPT` (a request no
/// one holds data for is complete at once); otherwise `OVERDUE` after `due_on`, `OPEN` while no
/// task has moved, and `IN_PROGRESS` after.
pub fn request_status(tasks: &[TaskStatus], due_on: NaiveDate, today: NaiveDate) -> DsrStatus {
    if tasks.iter().all(|t| is_done(*t)) {
        DsrStatus::Completed
    } else if today > due_on {
        DsrStatus::Overdue
    } else if tasks.iter().all(|t| *t == TaskStatus::Pending) {
        DsrStatus::Open
    } else {
        DsrStatus::InProgress
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use super::*;
    use TaskStatus::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn final_tasks_do_not_move_and_others_take_the_outcome() {
        assert_eq!(confirm(Sent, TaskOutcome::Completed), Ok(Completed));
        assert_eq!(confirm(Failed, TaskOutcome::Completed), Ok(Completed));
        assert_eq!(confirm(Pending, TaskOutcome::Exempt), Ok(Exempt));
        assert_eq!(confirm(Sent, TaskOutcome::Acknowledged), Ok(Acknowledged));
        assert_eq!(confirm(Acknowledged, TaskOutcome::Completed), Ok(Completed));
        assert_eq!(
            confirm(Acknowledged, TaskOutcome::Acknowledged),
            Err(TransitionError::Repeated)
        );
        for done in [Completed, Exempt] {
            for outcome in [TaskOutcome::Completed, TaskOutcome::Exempt] {
                assert_eq!(confirm(done, outcome), Err(TransitionError::Final(done)));
            }
        }
    }

    #[test]
    fn the_request_follows_its_tasks_and_the_calendar() {
        let due = d("2026-02-28");
        let before = d("2026-02-28");
        let after = d("2026-03-01");
        assert_eq!(
            request_status(&[Pending, Pending], due, before),
            DsrStatus::Open
        );
        assert_eq!(
            request_status(&[Sent, Pending], due, before),
            DsrStatus::InProgress
        );
        assert_eq!(
            request_status(&[Completed, Exempt], due, after),
            DsrStatus::Completed
        );
        assert_eq!(
            request_status(&[Completed, Failed], due, before),
            DsrStatus::InProgress
        );
        assert_eq!(
            request_status(&[Completed, Sent], due, after),
            DsrStatus::Overdue
        );
        assert_eq!(request_status(&[], due, after), DsrStatus::Completed);
    }
}
