//! The bench's command line: the register's size, the databases, and which figures to measure.

use crate::generate::Sizes;
use clap::Parser;

#[derive(Debug, Parser)]
#[command(
    name = "bench",
    about = "Generate a register and measure whoHolds against plain SQL"
)]
pub struct Args {
    #[command(flatten)]
    pub sizes: Sizes,
    /// SQLite database to use (generated if empty).
    #[arg(long, default_value = "sqlite://bench/register.sqlite")]
    pub sqlite_url: String,
    /// PostgreSQL database to use (generated if empty); empty string skips PostgreSQL.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/bench")]
    pub postgres_url: String,
    /// Drop what is there and generate again.
    #[arg(long)]
    pub fresh: bool,
    /// Measured queries per method in-process (0 skips the in-process figures).
    #[arg(long, default_value_t = 2000)]
    pub samples: usize,
    /// On PostgreSQL, answer this many random subjects by both whoHolds paths (the two reads and
    /// the one statement), count the equal answers (any difference fails the run) and print
    /// where the time of one answer goes.
    #[arg(long, default_value_t = 0)]
    pub compare_who_holds: usize,
    /// Also measure over HTTP: the router served on loopback in this process, driven by
    /// concurrent keep-alive clients.
    #[arg(long)]
    pub http: bool,
    /// Concurrent connections of the whoHolds figure (and of its plain-SQL twin).
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
    /// Concurrent connections of the transfer page and gaps figures.
    #[arg(long, default_value_t = 4)]
    pub register_connections: usize,
    /// Concurrent connections of the registerOrganisation figure.
    #[arg(long, default_value_t = 16)]
    pub write_connections: usize,
    /// Most requests per read figure.
    #[arg(long, default_value_t = 20_000)]
    pub requests: usize,
    /// Most registerOrganisation requests.
    #[arg(long, default_value_t = 10_000)]
    pub writes: usize,
    /// Longest time per figure, in seconds.
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
    /// Organisations holding each erasure subject's data (one task each per filing).
    #[arg(long, default_value_t = 200)]
    pub holders: usize,
    /// Erasures filed over HTTP, one after the other; their tasks are the delivery figure's.
    #[arg(long, default_value_t = 50)]
    pub erasures: usize,
    /// Delivery workers run during the delivery figure (`serve` runs one).
    #[arg(long, default_value_t = 1)]
    pub delivery_workers: usize,
    /// Connections sending whole-register requests in the pressure figure (a cheap query's
    /// latency is measured meanwhile).
    #[arg(long, default_value_t = 32)]
    pub pressure_connections: usize,
    /// Only these groups of HTTP figures (comma-separated: whoholds, register, pages, writes,
    /// dsr, pressure, exports); all when not given (pages then only where chromedriver is
    /// installed; exports only when named).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<Group>,
    /// Rounds of the console's pages: each clicks every page of the navigation once.
    #[arg(long, default_value_t = 5)]
    pub page_rounds: usize,
    /// The service binary the exports figure starts (`cargo build --release` first).
    #[arg(long, default_value = "target/release/transfer-register")]
    pub serve_binary: String,
    /// chromedriver, for the console's pages.
    #[arg(long, env = "CHROMEDRIVER", default_value = "/usr/bin/chromedriver")]
    pub chromedriver: String,
    /// Chromium, run headless by chromedriver.
    #[arg(long, env = "CHROMIUM", default_value = "/usr/bin/chromium")]
    pub chromium: String,
}

/// The groups of HTTP figures, to re-measure one without the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Group {
    Whoholds,
    Register,
    Pages,
    Writes,
    Dsr,
    Pressure,
    /// Every export fetched from the release `serve` binary run as a child process.
    Exports,
}

impl Args {
    pub fn measures(&self, group: Group) -> bool {
        self.only.is_empty() || self.only.contains(&group)
    }
}
