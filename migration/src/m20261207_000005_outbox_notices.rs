//! The outbox also keeps the register's own notices (an objection to a sub-processor change, a
//! notice to a subscriber of the published list, the digest of what is due), which belong to no
//! data-subject task: `outbox_message.task_id` becomes optional. SQLite cannot drop a NOT NULL,
//! so there the table is rebuilt with its rows, its foreign key and its index.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "CREATE TABLE outbox_message_new (
        id integer NOT NULL PRIMARY KEY AUTOINCREMENT,
        task_id integer NULL,
        to_address text NOT NULL,
        subject text NOT NULL,
        body text NOT NULL,
        created_at timestamp_with_timezone_text NOT NULL,
        FOREIGN KEY (task_id) REFERENCES dsr_task (id) ON DELETE RESTRICT
    )",
    "INSERT INTO outbox_message_new (id, task_id, to_address, subject, body, created_at)
        SELECT id, task_id, to_address, subject, body, created_at FROM outbox_message",
    "DROP TABLE outbox_message",
    "ALTER TABLE outbox_message_new RENAME TO outbox_message",
    "CREATE INDEX idx_outbox_message_task ON outbox_message (task_id)",
];

const SQLITE_DOWN: &[&str] = &[
    "DELETE FROM outbox_message WHERE task_id IS NULL",
    "CREATE TABLE outbox_message_old (
        id integer NOT NULL PRIMARY KEY AUTOINCREMENT,
        task_id integer NOT NULL,
        to_address text NOT NULL,
        subject text NOT NULL,
        body text NOT NULL,
        created_at timestamp_with_timezone_text NOT NULL,
        FOREIGN KEY (task_id) REFERENCES dsr_task (id) ON DELETE RESTRICT
    )",
    "INSERT INTO outbox_message_old (id, task_id, to_address, subject, body, created_at)
        SELECT id, task_id, to_address, subject, body, created_at FROM outbox_message",
    "DROP TABLE outbox_message",
    "ALTER TABLE outbox_message_old RENAME TO outbox_message",
    "CREATE INDEX idx_outbox_message_task ON outbox_message (task_id)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements: &[&str] = match manager.get_database_backend() {
            DbBackend::Postgres => {
                &["ALTER TABLE outbox_message ALTER COLUMN task_id DROP NOT NULL"]
            }
            _ => SQLITE_UP,
        };
        for sql in statements {
            manager.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements: &[&str] = match manager.get_database_backend() {
            DbBackend::Postgres => &[
                "DELETE FROM outbox_message WHERE task_id IS NULL",
                "ALTER TABLE outbox_message ALTER COLUMN task_id SET NOT NULL",
            ],
            _ => SQLITE_DOWN,
        };
        for sql in statements {
            manager.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
