//! Secrets a mutation issues and shows once: kept for the one response that returns them.
//!
//! `registerOrganisation` must return `Organisation!`, so the webhook secret it issues cannot be a
//! field of a separate payload. The mutation puts it here, keyed by organisation, and
//! `Organisation.webhookSecret` reads it: in that response it is the secret, anywhere else null,
//! as nothing but this request's data holds it in the clear.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

/// Per-request store of secrets issued by its mutations (added by `http::execute`).
#[derive(Clone, Default)]
pub struct IssuedSecrets(Arc<Mutex<HashMap<i64, String>>>);

impl IssuedSecrets {
    pub fn insert(&self, organisation_id: i64, secret: String) {
        if let Ok(mut map) = self.0.lock() {
            map.insert(organisation_id, secret);
        }
    }

    pub fn get(&self, organisation_id: i64) -> Option<String> {
        self.0
            .lock()
            .ok()
            .and_then(|map| map.get(&organisation_id).cloned())
    }
}
