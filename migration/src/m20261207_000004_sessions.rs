//! Sign-in for people (OpenID Connect): the logins under way (state, nonce and PKCE verifier kept
//! server-side until the provider sends the person back, consumed once) and the sessions of the
//! people signed in (only a hash of the cookie's value is kept), in the database so that any
//! instance serves them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PendingLogin {
    Table,
    Id,
    StateHash,
    Nonce,
    PkceVerifier,
    ReturnTo,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum UserSession {
    Table,
    Id,
    IdHash,
    Subject,
    Email,
    Name,
    Role,
    IdToken,
    CreatedAt,
    LastSeenAt,
    IdleExpiresAt,
    ExpiresAt,
    EndedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PendingLogin::Table)
                    .col(big_pk_auto(PendingLogin::Id))
                    .col(text(PendingLogin::StateHash).unique_key())
                    .col(text(PendingLogin::Nonce))
                    .col(text(PendingLogin::PkceVerifier))
                    .col(text_null(PendingLogin::ReturnTo))
                    .col(timestamp_with_time_zone(PendingLogin::CreatedAt))
                    .col(timestamp_with_time_zone(PendingLogin::ExpiresAt))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UserSession::Table)
                    .col(big_pk_auto(UserSession::Id))
                    .col(text(UserSession::IdHash).unique_key())
                    .col(text(UserSession::Subject))
                    .col(text_null(UserSession::Email))
                    .col(text_null(UserSession::Name))
                    .col(text(UserSession::Role))
                    .col(text_null(UserSession::IdToken))
                    .col(timestamp_with_time_zone(UserSession::CreatedAt))
                    .col(timestamp_with_time_zone(UserSession::LastSeenAt))
                    .col(timestamp_with_time_zone(UserSession::IdleExpiresAt))
                    .col(timestamp_with_time_zone(UserSession::ExpiresAt))
                    .col(timestamp_with_time_zone_null(UserSession::EndedAt))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_user_session_subject")
                    .table(UserSession::Table)
                    .col(UserSession::Subject)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(UserSession::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(PendingLogin::Table).to_owned())
            .await
    }
}
