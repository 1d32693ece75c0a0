//! Property: on PostgreSQL, whoHolds from the one recursive statement equals whoHolds from the
//! two reads, record for record, on random registers with chains, cycles, ended and returned
//! flows, restrictions, offboarded holders and corrupt continuations. PostgreSQL-only: the one
//! statement is PostgreSQL's alone (SQLite answers by the two reads, which are the reference).

use crate::{db_tests, support::TestApp};
use sea_orm::ConnectionTrait;
use transfer_register::{
    domain::identifier::IdentifierKind,
    service::{
        subjects::Quoted,
        who_holds::{Answer, postgres, two_reads},
    },
};

/// xorshift64*: deterministic, so a failing seed can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// Far above anything the migrations seed.
const BASE: usize = 900_000;
const COUNTRIES: [&str; 4] = ["GB", "US", "IN", "DE"];
const CATEGORIES: [&str; 3] = ["contact.email", "identity.name", "online.clickstream"];
const CREATED: &str = "'2026-01-01 00:00:00+00:00'";

fn categories(rng: &mut Rng) -> String {
    let chosen: Vec<String> = CATEGORIES
        .iter()
        .filter(|_| rng.chance(60))
        .map(|c| format!("\"{c}\""))
        .collect();
    format!("'[{}]'", chosen.join(","))
}

fn email(seed: u64, subject: usize) -> String {
    format!("s{seed}-{subject}@both.example")
}

async fn exec(app: &TestApp, sql: &str) {
    app.state
        .db
        .execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{e}: {sql}"));
}

/// Writes a random register under `base` straight into the tables (so that it may hold what the
/// API refuses, such as flows continuing each other); returns the number of subjects.
#[allow(clippy::too_many_lines, reason = "one generator, table by table")]
async fn generate(app: &TestApp, rng: &mut Rng, seed: u64, base: usize) -> usize {
    let (orgs, activities, flows, subjects) = (30, 14, 90, 60);
    let mut rows = Vec::new();
    let mut locations = Vec::new();
    for o in 0..orgs {
        let id = base + o;
        let status = if rng.chance(15) {
            "OFFBOARDED"
        } else {
            "ACTIVE"
        };
        let country = COUNTRIES[rng.below(COUNTRIES.len())];
        rows.push(format!(
            "({id}, 'B{id}', 'SUPPLIER', '{status}', '{country}', false, {CREATED}, {CREATED})"
        ));
        let first = rng.below(COUNTRIES.len());
        for l in 0..rng.below(3) {
            // One location per country and use.
            let country = COUNTRIES[(first + l) % COUNTRIES.len()];
            locations.push(format!("({}, {id}, '{country}', 'STORAGE')", id * 4 + l));
        }
    }
    exec(app, &format!("INSERT INTO organisation (id, name, kind, status, country, dpf_certified, created_at, updated_at) VALUES {}", rows.join(","))).await;
    if !locations.is_empty() {
        exec(
            app,
            &format!(
                "INSERT INTO location (id, organisation_id, country, use) VALUES {}",
                locations.join(",")
            ),
        )
        .await;
    }
    let mut controller = Vec::new();
    rows.clear();
    for a in 0..activities {
        let c = base + rng.below(orgs);
        controller.push(c);
        let cats = categories(rng);
        rows.push(format!(
            "({}, 'A{a}', {c}, 'Test', 'CONTRACT', {cats}, '[\"customer\"]', '7 years', {CREATED})",
            base + a
        ));
    }
    exec(app, &format!("INSERT INTO processing_activity (id, name, controller_id, purpose, lawful_basis, data_categories, subject_categories, retention, created_at) VALUES {}", rows.join(","))).await;
    // (activity, recipient) of each flow so far: a flow continues an earlier one of its
    // activity, now and then one of another activity (which the register refuses).
    let mut made: Vec<(usize, usize)> = Vec::new();
    rows.clear();
    for f in 0..flows {
        let mut activity = rng.below(activities);
        let parent = (!made.is_empty() && rng.chance(70)).then(|| {
            let p = rng.below(made.len());
            if !rng.chance(10) {
                activity = made[p].0;
            }
            p
        });
        let from = parent.map_or(controller[activity], |p| made[p].1);
        // Few organisations, so chains come back to one already on them.
        let to = base + rng.below(orgs);
        let ended = if rng.chance(20) {
            "'2026-02-01'"
        } else {
            "NULL"
        };
        let returned = if rng.chance(15) {
            "'2026-03-01'"
        } else {
            "NULL"
        };
        let role = if parent.is_some() {
            "SUB_PROCESSOR"
        } else {
            "PROCESSOR"
        };
        let continues = parent.map_or("NULL".to_string(), |p| (base + p).to_string());
        let cats = categories(rng);
        rows.push(format!("({}, {}, {from}, {to}, '{role}', {cats}, {continues}, 'NONE', {CREATED}, {ended}, {returned})", base + f, base + activity));
        made.push((activity, to));
    }
    exec(app, &format!("INSERT INTO data_flow (id, activity_id, from_id, to_id, recipient_role, data_categories, continues_flow_id, mechanism, created_at, ended_on, returned_on) VALUES {}", rows.join(","))).await;
    // Corrupt: two flows continuing each other, unreachable from any controller.
    exec(
        app,
        &format!(
            "UPDATE data_flow SET continues_flow_id = {} WHERE id = {}",
            base + flows - 1,
            base + flows - 2
        ),
    )
    .await;
    exec(
        app,
        &format!(
            "UPDATE data_flow SET continues_flow_id = {} WHERE id = {}",
            base + flows - 2,
            base + flows - 1
        ),
    )
    .await;

    let hasher = &app.state.subject_keys.hasher;
    let (mut people, mut ids, mut links) = (Vec::new(), Vec::new(), Vec::new());
    for s in 0..subjects {
        let id = base + s;
        people.push(format!("({id}, {CREATED})"));
        let hash = hasher.hash(IdentifierKind::Email, &email(seed, s));
        ids.push(format!(
            "('email', '\\x{}'::bytea, {id})",
            hex::encode(hash)
        ));
        let account = hasher.hash(IdentifierKind::AccountNumber, &format!("B{seed}-{s}"));
        ids.push(format!(
            "('account', '\\x{}'::bytea, {id})",
            hex::encode(account)
        ));
        let mut chosen = Vec::new();
        for _ in 0..rng.below(5) {
            let a = rng.below(activities);
            if chosen.contains(&a) {
                continue;
            }
            chosen.push(a);
            // Kept under restriction after an erasure: until a day passed, to come, or open.
            let (reason, until) = match rng.below(10) {
                0 => ("'Art 17(3)(b)'", "'2020-01-01'"),
                1 => ("'Art 17(3)(e)'", "'2999-01-01'"),
                2 => ("'Art 17(3)(b)'", "NULL"),
                _ => ("NULL", "NULL"),
            };
            links.push(format!(
                "({id}, {}, '2026-01-01', {reason}, {until})",
                base + a
            ));
        }
    }
    exec(
        app,
        &format!(
            "INSERT INTO data_subject (id, created_at) VALUES {}",
            people.join(",")
        ),
    )
    .await;
    exec(
        app,
        &format!(
            "INSERT INTO subject_identifier (kind, hash, subject_id) VALUES {}",
            ids.join(",")
        ),
    )
    .await;
    if !links.is_empty() {
        exec(app, &format!("INSERT INTO subject_activity (subject_id, activity_id, linked_on, restricted_reason, restricted_until) VALUES {}", links.join(","))).await;
    }
    subjects
}

/// What the random registers exercised, summed over every answer.
#[derive(Default, Debug)]
struct Seen {
    answers: usize,
    cycles: usize,
    ended: usize,
    offboarded: usize,
    restricted: usize,
    unlinked: usize,
}

impl Seen {
    fn count(&mut self, answer: &Answer) {
        self.answers += 1;
        self.cycles += answer.cycles.len();
        self.ended += answer
            .holdings
            .iter()
            .filter(|h| h.holding.flow_ended())
            .count();
        self.offboarded += answer.holdings.iter().filter(|h| h.offboarded).count();
        self.restricted += answer.restricted.len();
        self.unlinked += usize::from(answer.subject_id.is_some() && answer.activities.is_empty());
    }
}

async fn both(app: &TestApp, quoted: &Quoted) -> Answer {
    let (db, keys) = (&app.state.read_db, &app.state.subject_keys);
    let reads = two_reads::who_holds(db, keys, quoted)
        .await
        .expect("two reads");
    let one = postgres::who_holds(db, keys, quoted)
        .await
        .expect("one statement");
    assert_eq!(one, reads, "{quoted:?}");
    one
}

async fn the_one_statement_answers_as_the_two_reads_on_random_registers(app: TestApp) {
    let mut seen = Seen::default();
    for seed in 1..=4u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let base = BASE + seed as usize * 1000;
        let subjects = generate(&app, &mut rng, seed, base).await;
        for s in 0..subjects {
            let by_email = Quoted {
                email: Some(email(seed, s)),
                ..Default::default()
            };
            let answer = both(&app, &by_email).await;
            assert_eq!(answer.subject_id, Some((base + s) as i64));
            seen.count(&answer);
            if s % 7 == 0 {
                // Two identifiers: the subject is found first, then the one statement.
                let both_ids = Quoted {
                    account_number: Some(format!("B{seed}-{s}")),
                    ..by_email
                };
                assert_eq!(both(&app, &both_ids).await, answer);
            }
        }
        let unknown = Quoted {
            email: Some(format!("nobody{seed}@both.example")),
            ..Default::default()
        };
        assert_eq!(both(&app, &unknown).await, Answer::default());
    }
    // The registers exercised what they are for.
    assert!(seen.cycles > 0, "{seen:?}");
    assert!(seen.ended > 0, "{seen:?}");
    assert!(seen.offboarded > 0, "{seen:?}");
    assert!(seen.restricted > 0, "{seen:?}");
    assert!(seen.unlinked > 0, "{seen:?}");
}

db_tests!(postgres_only: the_one_statement_answers_as_the_two_reads_on_random_registers);
