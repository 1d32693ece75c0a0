//! The deterministic register generator: the same flags and seed give the same rows, inserted as
//! multi-row statements in large transactions so that a million subjects load in minutes.

use anyhow::Context;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, TransactionTrait};
use transfer_register::domain::identifier::{IdentifierHasher, IdentifierKind};

/// Rows per INSERT statement.
const ROWS_PER_STATEMENT: usize = 1000;
const COUNTRIES: [&str; 8] = ["GB", "IE", "DE", "FR", "US", "IN", "CA", "JP"];
const CATEGORIES: &str = r#"["contact.email","identity.name"]"#;
const CREATED: &str = "'2026-01-01 00:00:00+00:00'";

#[derive(Clone, Copy, Debug, clap::Args)]
pub struct Sizes {
    #[arg(long, default_value_t = 10_000)]
    pub organisations: usize,
    /// Processing activities (controllers are the first tenth of the organisations).
    #[arg(long, default_value_t = 20_000)]
    pub activities: usize,
    #[arg(long, default_value_t = 100_000)]
    pub flows: usize,
    #[arg(long, default_value_t = 1_000_000)]
    pub subjects: usize,
    /// Longest chain of continued flows.
    #[arg(long, default_value_t = 5)]
    pub max_depth: usize,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// splitmix64: tiny, seedable and stable across crate versions.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform enough in `0..n` for a benchmark (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The e-mail subject `i` is registered with; the benchmark asks for these.
pub fn email(i: usize) -> String {
    format!("subject{i}@bench.example")
}

/// Buffers rows of one table and writes them `ROWS_PER_STATEMENT` at a time.
struct Batch<'a, C: ConnectionTrait> {
    db: &'a C,
    head: String,
    rows: Vec<String>,
}

impl<'a, C: ConnectionTrait> Batch<'a, C> {
    fn new(db: &'a C, head: &str) -> Self {
        Self {
            db,
            head: head.into(),
            rows: Vec::with_capacity(ROWS_PER_STATEMENT),
        }
    }

    async fn push(&mut self, row: String) -> anyhow::Result<()> {
        self.rows.push(row);
        if self.rows.len() >= ROWS_PER_STATEMENT {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> anyhow::Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let sql = format!("{} VALUES {}", self.head, self.rows.join(","));
        self.rows.clear();
        self.db
            .execute_unprepared(&sql)
            .await
            .with_context(|| format!("inserting into {}", self.head))?;
        Ok(())
    }
}

fn bytes(backend: DatabaseBackend, hash: &[u8]) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("'\\x{}'::bytea", hex::encode(hash)),
        _ => format!("X'{}'", hex::encode(hash)),
    }
}

/// Writes the register into an empty, migrated database.
pub async fn generate(db: &DatabaseConnection, sizes: Sizes, secret: &[u8]) -> anyhow::Result<()> {
    let backend = db.get_database_backend();
    let mut rng = Rng::new(sizes.seed);

    let mut orgs = Batch::new(
        db,
        "INSERT INTO organisation (id, name, kind, status, country, dpf_certified, created_at, updated_at)",
    );
    let mut locs = Batch::new(
        db,
        "INSERT INTO location (id, organisation_id, country, use)",
    );
    for id in 1..=sizes.organisations {
        let status = if rng.below(100) == 0 {
            "OFFBOARDED"
        } else {
            "ACTIVE"
        };
        let country = COUNTRIES[rng.below(COUNTRIES.len())];
        let kind = if id <= sizes.organisations / 10 {
            "GROUP_COMPANY"
        } else {
            "SUPPLIER"
        };
        orgs.push(format!("({id}, 'Organisation {id}', '{kind}', '{status}', '{country}', false, {CREATED}, {CREATED})")).await?;
        let located = COUNTRIES[rng.below(COUNTRIES.len())];
        locs.push(format!("({id}, {id}, '{located}', 'STORAGE')"))
            .await?;
    }
    orgs.flush().await?;
    locs.flush().await?;

    let controllers = (sizes.organisations / 10).max(1);
    let mut acts = Batch::new(
        db,
        "INSERT INTO processing_activity (id, name, controller_id, purpose, lawful_basis, data_categories, subject_categories, retention, created_at)",
    );
    let mut controller_of = Vec::with_capacity(sizes.activities);
    for id in 1..=sizes.activities {
        let controller = 1 + rng.below(controllers);
        controller_of.push(controller);
        acts.push(format!("({id}, 'Activity {id}', {controller}, 'Benchmark', 'CONTRACT', '{CATEGORIES}', '[\"customer\"]', '7 years', {CREATED})")).await?;
    }
    acts.flush().await?;

    // Flows, activity by activity: each starts a chain or continues one not yet at max depth.
    let mut flows = Batch::new(
        db,
        "INSERT INTO data_flow (id, activity_id, from_id, to_id, recipient_role, data_categories, continues_flow_id, mechanism, created_at)",
    );
    let per_activity = sizes.flows.div_ceil(sizes.activities.max(1));
    let mut id = 0usize;
    'activities: for activity in 1..=sizes.activities {
        // (flow id, recipient, depth) of this activity's flows so far.
        let mut chain: Vec<(usize, usize, usize)> = Vec::new();
        for _ in 0..per_activity {
            if id >= sizes.flows {
                break 'activities;
            }
            id += 1;
            let open: Vec<_> = chain
                .iter()
                .filter(|c| c.2 < sizes.max_depth)
                .copied()
                .collect();
            let parent =
                (!open.is_empty() && rng.below(4) > 0).then(|| open[rng.below(open.len())]);
            let (from, depth) = parent.map_or((controller_of[activity - 1], 1), |p| (p.1, p.2 + 1));
            let mut to = 1 + rng.below(sizes.organisations);
            if to == from {
                to = to % sizes.organisations + 1;
            }
            let (role, continues) = match parent {
                Some(p) => ("SUB_PROCESSOR", p.0.to_string()),
                None => ("PROCESSOR", "NULL".to_string()),
            };
            flows.push(format!("({id}, {activity}, {from}, {to}, '{role}', '{CATEGORIES}', {continues}, 'NONE', {CREATED})")).await?;
            chain.push((id, to, depth));
        }
    }
    flows.flush().await?;

    let hasher = IdentifierHasher::new(secret);
    for start in (1..=sizes.subjects).step_by(50_000) {
        let end = (start + 50_000).min(sizes.subjects + 1);
        let txn = db.begin().await?;
        let mut subjects = Batch::new(&txn, "INSERT INTO data_subject (id, created_at)");
        let mut ids = Batch::new(
            &txn,
            "INSERT INTO subject_identifier (kind, hash, subject_id)",
        );
        let mut links = Batch::new(
            &txn,
            "INSERT INTO subject_activity (subject_id, activity_id, linked_on)",
        );
        // Subjects first: identifiers and links refer to them.
        for s in start..end {
            subjects.push(format!("({s}, {CREATED})")).await?;
        }
        subjects.flush().await?;
        for s in start..end {
            let email = hasher.hash(IdentifierKind::Email, &email(s));
            let account = hasher.hash(IdentifierKind::AccountNumber, &format!("B{s}"));
            ids.push(format!("('email', {}, {s})", bytes(backend, &email)))
                .await?;
            ids.push(format!("('account', {}, {s})", bytes(backend, &account)))
                .await?;
            let mut chosen: Vec<usize> = Vec::new();
            for _ in 0..=rng.below(5) {
                let a = 1 + rng.below(sizes.activities);
                if !chosen.contains(&a) {
                    chosen.push(a);
                    links.push(format!("({s}, {a}, '2026-01-01')")).await?;
                }
            }
        }
        ids.flush().await?;
        links.flush().await?;
        txn.commit().await?;
        eprintln!("  {} subjects", end - 1);
    }
    if backend == DatabaseBackend::Postgres {
        for table in [
            "organisation",
            "location",
            "processing_activity",
            "data_flow",
            "data_subject",
        ] {
            db.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            ))
            .await?;
        }
        db.execute_unprepared("ANALYZE").await?;
    } else {
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(())
}
