//! What the settings mean for the code: durations, the database URL and paths, the public
//! base URL. Kept apart from the settings themselves, which are their flags and variables.

use super::{Config, DEFAULT_SQLITE_FILE};
use std::{path::PathBuf, time::Duration};

impl Config {
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{DEFAULT_SQLITE_FILE}"))
    }

    /// The SQLite file behind the URL, if the URL is SQLite.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let url = self.database_url();
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next().unwrap_or(rest);
        (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
    }

    pub fn ws_init_timeout(&self) -> Duration {
        Duration::from_secs(self.ws_init_timeout_secs)
    }

    pub fn ws_idle_timeout(&self) -> Duration {
        Duration::from_secs(self.ws_idle_timeout_secs)
    }

    pub fn ws_max_lifetime(&self) -> Duration {
        Duration::from_secs(self.ws_max_lifetime_secs)
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    pub fn http_header_timeout(&self) -> Duration {
        Duration::from_secs(self.http_header_timeout_secs)
    }

    /// `REGISTER_PUBLIC_URL` without its trailing slash, or `http://localhost:8080`.
    pub fn public_base(&self) -> String {
        self.public_url
            .as_deref()
            .map(|u| u.trim_end_matches('/'))
            .filter(|u| !u.is_empty())
            .unwrap_or("http://localhost:8080")
            .to_string()
    }

    pub fn http_idle_timeout(&self) -> Duration {
        Duration::from_secs(self.http_idle_timeout_secs)
    }
}
