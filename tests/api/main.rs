//! The integration suite: the real schema and migrations, on SQLite and (with
//! `TEST_POSTGRES_URL`) on PostgreSQL, in-process and over HTTP.

mod support;

mod auth;
mod fixtures;
mod flows;
mod http;
mod organisations;
mod schema;
mod subjects;
mod taxonomy;
