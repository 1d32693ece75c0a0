//! The command line as a new user and an operator meet it, through the real binary (SQLite).

use crate::support::{Backend, TestApp};
use serde_json::json;
use std::{
    path::Path,
    process::{Command, Output},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
};

const BIN: &str = env!("CARGO_BIN_EXE_transfer-register");

/// Runs the binary in `dir` with `DATABASE_URL` unset unless given.
fn run(dir: &Path, url: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("REGISTER_SECRET");
    if let Some(url) = url {
        command.env("DATABASE_URL", url);
    }
    command.output().expect("run")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn init_prints_a_first_admin_token_once_and_refuses_a_second_time() {
    let dir = tempfile::tempdir().expect("dir");
    let first = run(dir.path(), None, &["init"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let stdout = text(&first.stdout);
    let token = stdout.lines().last().expect("a last line");
    assert!(token.starts_with("trk_"), "{stdout}");
    assert!(dir.path().join("transfer-register.sqlite").is_file());
    let listed = run(dir.path(), None, &["token", "list"]);
    assert!(text(&listed.stdout).starts_with("admin\tADMIN\tactive"));

    let again = run(dir.path(), None, &["init"]);
    assert!(!again.status.success());
    let error = text(&again.stderr);
    assert!(error.contains("1 token(s) already"), "{error}");
    assert!(error.contains("token create"), "{error}");
    assert!(!text(&again.stdout).contains("trk_"));
}

#[test]
fn commands_that_need_a_register_refuse_a_missing_file_naming_where_they_looked() {
    let dir = tempfile::tempdir().expect("dir");
    let expected = std::path::absolute(dir.path().join("transfer-register.sqlite")).expect("abs");
    let csv = dir.path().join("subjects.csv");
    std::fs::write(&csv, "email,phone,account_number,activity_ids\n").expect("csv");
    let csv = csv.display().to_string();
    for args in [
        vec!["token", "list"],
        vec!["token", "revoke", "--name", "dpo"],
        vec!["audit", "verify"],
        vec!["subjects", "import", "--file", &csv],
        vec!["backup", "copy.sqlite"],
        vec!["import", "organisations", &csv],
        vec!["export", "ropa", "--format", "csv"],
    ] {
        let output = run(dir.path(), None, &args);
        assert!(!output.status.success(), "{args:?} succeeded");
        let error = text(&output.stderr);
        assert!(
            error.contains(&format!("no register at {}", expected.display())),
            "{args:?}: {error}"
        );
        assert!(
            error.contains("transfer-register init"),
            "{args:?}: {error}"
        );
        assert!(!expected.exists(), "{args:?} created the register");
    }
    // With DATABASE_URL, the path it names (made absolute).
    let named = run(
        dir.path(),
        Some("sqlite://elsewhere/register.sqlite"),
        &["token", "list"],
    );
    let error = text(&named.stderr);
    let elsewhere = std::path::absolute(dir.path().join("elsewhere/register.sqlite")).expect("abs");
    assert!(error.contains(&elsewhere.display().to_string()), "{error}");
    assert!(!dir.path().join("elsewhere").exists());
    // The commands that make a register still do.
    assert!(run(dir.path(), None, &["migrate"]).status.success());
    assert!(expected.is_file());
}

/// The API contract names `token create` as a way to a new register's first token, so it
/// creates the register, but says so, naming the file.
#[test]
fn token_create_on_a_missing_register_creates_it_and_says_where() {
    let dir = tempfile::tempdir().expect("dir");
    let expected = std::path::absolute(dir.path().join("transfer-register.sqlite")).expect("abs");
    let output = run(
        dir.path(),
        None,
        &["token", "create", "--name", "dpo", "--role", "DPO"],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let note = text(&output.stderr);
    assert!(
        note.contains(&format!("no register at {}", expected.display())),
        "{note}"
    );
    assert!(note.contains("creating a new, empty one"), "{note}");
    assert!(
        text(&output.stdout)
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("trk_"))
    );
    let again = run(
        dir.path(),
        None,
        &["token", "create", "--name", "auditor", "--role", "AUDITOR"],
    );
    assert!(again.status.success());
    assert!(text(&again.stderr).is_empty(), "{}", text(&again.stderr));
}

#[tokio::test]
async fn serve_on_a_register_without_a_token_says_how_to_create_the_first_and_warns_without_smtp() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let dir = tempfile::tempdir().expect("dir");
    let mut child = tokio::process::Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("REGISTER_SMTP_URL")
        .env("RUST_LOG", "warn")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("serve");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let hint = tokio::time::timeout(std::time::Duration::from_mins(1), async {
        while let Some(line) = lines.next_line().await.expect("line") {
            if line.contains("no API token yet") {
                return line;
            }
        }
        panic!("serve ended without the hint");
    })
    .await
    .expect("the hint is printed at start");
    assert!(hint.contains("transfer-register init"), "{hint}");
    // The log (stdout) warns that e-mail cannot be sent.
    let stdout = child.stdout.take().expect("stdout");
    let mut log = BufReader::new(stdout).lines();
    let warning = tokio::time::timeout(std::time::Duration::from_mins(1), async {
        while let Some(line) = log.next_line().await.expect("line") {
            if line.contains("no SMTP server is configured") {
                return line;
            }
        }
        panic!("serve ended without the SMTP warning");
    })
    .await
    .expect("the warning is logged at start");
    assert!(warning.contains("WARN"), "{warning}");
    assert!(warning.contains("REGISTER_SMTP_URL"), "{warning}");
    child.kill().await.expect("kill");
}

/// The register is written to (organisations registered, each audited) all through the
/// backup; the copy is a register of its own that `audit verify` accepts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_requests_are_written_restores_to_a_register_audit_verify_accepts() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let app = Arc::new(app);
    let url = app.state.config.database_url();
    let secret = app.state.config.secret.clone().expect("test secret");
    let written = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (app, written, stop) = (app.clone(), written.clone(), stop.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let n = written.load(Ordering::SeqCst);
                app.ok(
                    crate::fixtures::REGISTER_ORG,
                    json!({ "input": { "name": format!("Supplier {n}"), "kind": "SUPPLIER",
                        "country": "IE", "privacyContactEmail": "privacy@supplier.example.com" } }),
                )
                .await;
                written.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    crate::support::wait_until("20 organisations written", || {
        written.load(Ordering::SeqCst) >= 20
    })
    .await;
    let dir = tempfile::tempdir().expect("dir");
    let copy = dir.path().join("backup.sqlite");
    let backup = tokio::process::Command::new(BIN)
        .arg("backup")
        .arg(&copy)
        .env("DATABASE_URL", &url)
        .env("REGISTER_SECRET", &secret)
        .output()
        .await
        .expect("backup");
    let during = written.load(Ordering::SeqCst);
    assert!(backup.status.success(), "{}", text(&backup.stderr));
    crate::support::wait_until("5 more organisations written after the backup", || {
        written.load(Ordering::SeqCst) >= during + 5
    })
    .await;
    stop.store(true, Ordering::SeqCst);
    writer.await.expect("writer");

    let restored = dir.path().join("restored.sqlite");
    std::fs::copy(&copy, &restored).expect("restore");
    let restored_url = format!("sqlite://{}", restored.display());
    // The chain is keyed: without the register's secret there is nothing to check it with, and
    // no key is made up for it.
    let keyless = run(dir.path(), Some(&restored_url), &["audit", "verify"]);
    assert!(!keyless.status.success());
    assert!(
        text(&keyless.stderr).contains("the register's key is needed"),
        "{}",
        text(&keyless.stderr)
    );
    assert!(
        !restored.with_extension("key").exists(),
        "no key was made up"
    );
    let verify = Command::new(BIN)
        .args(["audit", "verify"])
        .current_dir(dir.path())
        .env("DATABASE_URL", &restored_url)
        .env("REGISTER_SECRET", &secret)
        .output()
        .expect("verify");
    assert!(verify.status.success(), "{}", text(&verify.stderr));
    let db = sea_orm::Database::connect(&restored_url).await.expect("db");
    use sea_orm::ConnectionTrait;
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM organisation",
        ))
        .await
        .expect("count")
        .expect("row");
    let kept: i64 = row.try_get("", "n").expect("n");
    let total = written.load(Ordering::SeqCst) as i64;
    assert!(kept >= 20 && kept < total, "kept {kept} of {total}");
    assert!(
        text(&verify.stdout).contains("audit chain intact"),
        "{}",
        text(&verify.stdout)
    );
}

#[test]
fn a_backup_of_a_register_with_a_key_file_copies_the_key_beside_it() {
    let dir = tempfile::tempdir().expect("dir");
    assert!(run(dir.path(), None, &["init"]).status.success());
    let backup = run(dir.path(), None, &["backup", "saved.sqlite"]);
    assert!(backup.status.success(), "{}", text(&backup.stderr));
    let key = std::fs::read(dir.path().join("transfer-register.key")).expect("key");
    assert_eq!(
        std::fs::read(dir.path().join("saved.key")).expect("copied key"),
        key
    );
    #[cfg(unix)]
    for file in ["saved.sqlite", "saved.key"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(file))
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }
    let again = run(dir.path(), None, &["backup", "saved.sqlite"]);
    assert!(
        !again.status.success(),
        "an existing file is not overwritten"
    );
    let verify = run(
        dir.path(),
        Some("sqlite://saved.sqlite"),
        &["audit", "verify"],
    );
    assert!(verify.status.success(), "{}", text(&verify.stderr));
}

/// `audit checkpoint --append` publishes the head, signed; `audit verify --checkpoint` accepts the
/// chain while it holds every checkpoint, and names the one it no longer holds.
#[test]
fn checkpoints_published_on_the_command_line_are_checked_by_audit_verify() {
    let dir = tempfile::tempdir().expect("dir");
    assert!(run(dir.path(), None, &["init"]).status.success());
    let published = run(
        dir.path(),
        None,
        &["audit", "checkpoint", "--append", "checkpoints.jsonl"],
    );
    assert!(published.status.success(), "{}", text(&published.stderr));
    let line = text(&published.stdout);
    let checkpoint: serde_json::Value = serde_json::from_str(line.trim()).expect("one JSON line");
    assert_eq!(checkpoint["event_id"], 1, "init wrote one event: {line}");
    let created = run(
        dir.path(),
        None,
        &["token", "create", "--name", "dpo", "--role", "DPO"],
    );
    assert!(created.status.success(), "{}", text(&created.stderr));
    assert!(
        run(
            dir.path(),
            None,
            &["audit", "checkpoint", "--append", "checkpoints.jsonl"]
        )
        .status
        .success()
    );
    let file = dir.path().join("checkpoints.jsonl");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let verify = run(
        dir.path(),
        None,
        &["audit", "verify", "--checkpoint", "checkpoints.jsonl"],
    );
    assert!(verify.status.success(), "{}", text(&verify.stderr));
    assert!(
        text(&verify.stdout).contains("holds every one of the 2 checkpoints"),
        "{}",
        text(&verify.stdout)
    );

    // A checkpoint whose hash was edited no longer carries a valid signature.
    let mut lines: Vec<String> = std::fs::read_to_string(&file)
        .expect("read")
        .lines()
        .map(str::to_owned)
        .collect();
    let mut first: serde_json::Value = serde_json::from_str(&lines[0]).expect("json");
    let hash = first["hash"].as_str().expect("hash").to_owned();
    let flipped = if hash.starts_with('0') { "1" } else { "0" };
    first["hash"] = serde_json::Value::String(format!("{flipped}{}", &hash[1..]));
    lines[0] = first.to_string();
    std::fs::write(dir.path().join("edited.jsonl"), lines.join("\n")).expect("write");
    let refused = run(
        dir.path(),
        None,
        &["audit", "verify", "--checkpoint", "edited.jsonl"],
    );
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stdout));
    assert!(
        text(&refused.stderr).contains("not signed with this register's key"),
        "{}",
        text(&refused.stderr)
    );
}

/// `audit public-key` prints the key checkpoints are signed with; an auditor holding it, a copy
/// of the database and the checkpoints, but not the register's secret, checks with
/// `audit verify-checkpoints` that each checkpoint is the register's and still held.
#[tokio::test]
async fn an_auditor_checks_checkpoints_with_the_public_key_alone() {
    use sea_orm::ConnectionTrait;
    let dir = tempfile::tempdir().expect("dir");
    assert!(run(dir.path(), None, &["init"]).status.success());
    let printed = run(dir.path(), None, &["audit", "public-key"]);
    assert!(printed.status.success(), "{}", text(&printed.stderr));
    let public = text(&printed.stdout).trim().to_string();
    assert!(
        public.starts_with("ed25519:") && public.len() == 72,
        "{public}"
    );
    for args in [
        &["audit", "checkpoint", "--append", "checkpoints.jsonl"][..],
        &["token", "create", "--name", "dpo", "--role", "DPO"],
        &["audit", "checkpoint", "--append", "checkpoints.jsonl"],
    ] {
        let out = run(dir.path(), None, args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    }

    // The auditor's copy: the database and the checkpoints, not the key file.
    let auditor = tempfile::tempdir().expect("dir");
    for name in [
        "transfer-register.sqlite",
        "transfer-register.sqlite-wal",
        "checkpoints.jsonl",
    ] {
        if dir.path().join(name).exists() {
            std::fs::copy(dir.path().join(name), auditor.path().join(name)).expect("copy");
        }
    }
    let url = format!(
        "sqlite://{}",
        auditor.path().join("transfer-register.sqlite").display()
    );
    let verify = |public: &str| {
        run(
            auditor.path(),
            Some(&url),
            &[
                "audit",
                "verify-checkpoints",
                "--public-key",
                public,
                "--checkpoint",
                "checkpoints.jsonl",
            ],
        )
    };
    let keyed = run(auditor.path(), Some(&url), &["audit", "verify"]);
    assert!(
        !keyed.status.success(),
        "no secret here: {}",
        text(&keyed.stdout)
    );
    let checked = verify(&public);
    assert!(checked.status.success(), "{}", text(&checked.stderr));
    assert!(
        text(&checked.stdout).contains("every one of the 2 checkpoints"),
        "{}",
        text(&checked.stdout)
    );

    // Another register's public key does not vouch for these checkpoints; a malformed one is
    // refused before anything is read.
    let other = tempfile::tempdir().expect("dir");
    assert!(run(other.path(), None, &["init"]).status.success());
    let other_public = text(&run(other.path(), None, &["audit", "public-key"]).stdout)
        .trim()
        .to_string();
    assert_ne!(other_public, public);
    let refused = verify(&other_public);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stdout));
    assert!(
        text(&refused.stderr).contains("not signed with the key of the public key given"),
        "{}",
        text(&refused.stderr)
    );
    let malformed = verify("ed25519:00");
    assert!(!malformed.status.success());
    assert!(
        text(&malformed.stderr).contains("64 hex digits"),
        "{}",
        text(&malformed.stderr)
    );

    // The copy cut short after the first checkpoint: the second is no longer held.
    let db = sea_orm::Database::connect(url.as_str()).await.expect("db");
    for sql in [
        "DROP TRIGGER IF EXISTS audit_event_no_delete",
        "DELETE FROM audit_event WHERE id > 1",
    ] {
        db.execute_unprepared(sql).await.expect(sql);
    }
    db.close().await.expect("close");
    let cut = verify(&public);
    assert_eq!(cut.status.code(), Some(2), "{}", text(&cut.stdout));
    assert!(
        text(&cut.stderr).contains("cut short"),
        "{}",
        text(&cut.stderr)
    );
}

#[tokio::test]
async fn a_backup_is_owner_only_from_the_moment_it_is_written() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("r.sqlite").display());
    let config = transfer_register::config::Config::for_database(url);
    let db = transfer_register::db::connect(&config).await.expect("db");
    let target = dir.path().join("copy.sqlite");
    transfer_register::db::backup(&db, &target)
        .await
        .expect("backup");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&target)
            .expect("copy")
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "written owner-only, not chmod-ed after"
        );
    }
    assert!(
        transfer_register::db::backup(&db, &target).await.is_err(),
        "an existing file is not overwritten"
    );
}
