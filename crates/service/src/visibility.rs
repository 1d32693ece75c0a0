//! What a reader may see of the records it can reach, by role. A PROCESSOR reads its own tasks
//! and organisation, but the group structure above it, the names of the controller's people and
//! the detail of a delivery failure (its URL, host, address, cause) are the controller's. The
//! GraphQL types ask here and translate; the rules are tested without HTTP.

use crate::{
    domain::vocab::Role,
    requests::{
        delivery::WORKER,
        read::{delivery_error_for_processor, worker_detail_for_processor},
    },
};

/// Who is reading: a token's role, or nobody signed in (the public pages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer(Option<Role>);

impl Viewer {
    pub fn new(role: Option<Role>) -> Self {
        Self(role)
    }

    fn processor(self) -> bool {
        self.0 == Some(Role::Processor)
    }

    /// A PROCESSOR sees its own organisation only, not the group company above it.
    pub fn sees_parent(self) -> bool {
        !self.processor()
    }

    /// Whether `actor`, a task's or an event's actor, is shown by its token's role rather than
    /// by its name: to a PROCESSOR, for every actor but the delivery worker. Look the role up
    /// only then, and pass it to [`Viewer::actor_shown`].
    pub fn needs_actor_role(self, actor: &str) -> bool {
        self.processor() && actor != WORKER
    }

    /// `actor` as this reader is shown it; `token_role` is the role of the token named `actor`
    /// (none when the token is gone: then "register").
    pub fn actor_shown(self, actor: &str, token_role: Option<Role>) -> String {
        if self.needs_actor_role(actor) {
            token_role.map_or_else(|| "register".to_string(), |role| role.to_string())
        } else {
            actor.to_string()
        }
    }

    /// Whether the reader sees how the controller's side works: the client address an answer
    /// came from, what a reminder's sending did (the outbox, an error). Not a PROCESSOR.
    pub fn sees_delivery_detail(self) -> bool {
        !self.processor()
    }

    /// A task's last delivery error: in full, or to a PROCESSOR by its class only.
    pub fn delivery_error(self, error: &str) -> String {
        if self.processor() {
            delivery_error_for_processor(error)
        } else {
            error.to_string()
        }
    }

    /// Whether the reader sees what a sub-processor change would do to the register: the
    /// transfers it would create, judged with the controller's own flows and activities, and how
    /// many data subjects it touches. Not a PROCESSOR, even for its own change.
    pub fn sees_change_impact(self) -> bool {
        !self.processor()
    }

    /// Whether the reader sees the register's record of a change's sub-processor (its contract,
    /// contacts, webhook, locations, history: the controller's own knowledge of another
    /// organisation). A PROCESSOR is given its name and country only.
    pub fn sees_subprocessor_record(self) -> bool {
        !self.processor()
    }

    /// Whether the reader sees the contracts covering a flow (their parties, dates, signed
    /// documents): the controller's record of its own agreements. Not a PROCESSOR.
    pub fn sees_contracts(self) -> bool {
        !self.processor()
    }

    /// An event's detail: a delivery worker's entry is shown to a PROCESSOR by its class only.
    pub fn event_detail(self, actor: &str, detail: &str) -> String {
        if self.processor() && actor == WORKER {
            worker_detail_for_processor(detail)
        } else {
            detail.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROCESSOR: Viewer = Viewer(Some(Role::Processor));
    const DPO: Viewer = Viewer(Some(Role::Dpo));
    const FAILURE: &str = "attempt 3 failed: POST https://hooks.internal.example/erase (10.0.0.7): HTTP 503 Service Unavailable";

    #[test]
    fn a_processor_does_not_see_the_group_above_it_and_everyone_else_does() {
        assert!(!PROCESSOR.sees_parent());
        for role in [Role::Admin, Role::Dpo, Role::Procurement, Role::Auditor] {
            assert!(Viewer::new(Some(role)).sees_parent(), "{role}");
        }
        assert!(Viewer::new(None).sees_parent());
    }

    #[test]
    fn a_processor_sees_the_role_of_a_person_s_token_not_its_name() {
        assert!(PROCESSOR.needs_actor_role("anna.dpo"));
        assert_eq!(PROCESSOR.actor_shown("anna.dpo", Some(Role::Dpo)), "DPO");
        assert_eq!(PROCESSOR.actor_shown("anna.dpo", None), "register");
        // The worker is named as it is: it is no one's personal data.
        assert!(!PROCESSOR.needs_actor_role(WORKER));
        assert_eq!(PROCESSOR.actor_shown(WORKER, None), WORKER);
        assert!(!DPO.needs_actor_role("anna.dpo"));
        assert_eq!(DPO.actor_shown("anna.dpo", Some(Role::Dpo)), "anna.dpo");
    }

    #[test]
    fn a_processor_sees_neither_the_impact_of_its_change_nor_the_record_of_its_subprocessor() {
        assert!(!PROCESSOR.sees_change_impact());
        assert!(!PROCESSOR.sees_subprocessor_record());
        assert!(!PROCESSOR.sees_contracts());
        assert!(DPO.sees_contracts());
        for role in [Role::Admin, Role::Dpo, Role::Procurement, Role::Auditor] {
            assert!(Viewer::new(Some(role)).sees_change_impact(), "{role}");
            assert!(Viewer::new(Some(role)).sees_subprocessor_record(), "{role}");
        }
    }

    #[test]
    fn a_processor_sees_the_class_of_a_delivery_failure_not_its_detail() {
        let shown = PROCESSOR.delivery_error(FAILURE);
        assert_eq!(shown, "the webhook answered HTTP 503");
        assert!(!PROCESSOR.event_detail(WORKER, FAILURE).contains("10.0.0.7"));
        assert!(
            PROCESSOR
                .event_detail(WORKER, FAILURE)
                .starts_with("attempt 3 failed")
        );
        // A person's note is shown as written; the controller sees everything.
        assert_eq!(PROCESSOR.event_detail("anna.dpo", FAILURE), FAILURE);
        assert_eq!(DPO.delivery_error(FAILURE), FAILURE);
        assert!(DPO.sees_delivery_detail() && !PROCESSOR.sees_delivery_detail());
        assert_eq!(DPO.event_detail(WORKER, FAILURE), FAILURE);
    }
}
