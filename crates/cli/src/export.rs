//! `export` and `template`: the register's tables, records and import templates as files.

use crate::{Register, config::Config, db, error::AppError, parse_date};
use anyhow::Context;
use chrono::Utc;

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// What to export.
    #[arg(value_enum)]
    pub kind: register_sheets::export::ExportKind,
    /// csv, json or xlsx (default: the output file's extension, else csv).
    #[arg(long, value_parser = parse_format)]
    pub format: Option<register_sheets::export::Format>,
    /// Where to write (default: standard output).
    #[arg(long)]
    pub output: Option<std::path::PathBuf>,
    /// The date the transfer verdicts are given for (YYYY-MM-DD, default today).
    #[arg(long, value_parser = parse_date)]
    pub on: Option<chrono::NaiveDate>,
    /// With `ropa` or `processor-record`: the processor (organisation id) whose Art 30(2)
    /// record is wanted.
    #[arg(long)]
    pub processor: Option<i64>,
    /// With `ropa`: the group company (organisation id) whose Art 30(1) record is wanted.
    #[arg(long)]
    pub controller: Option<i64>,
    /// With `whatif`: the transfer mechanism assumed to stop (EU_US_DPF, ...).
    #[arg(long)]
    pub mechanism: Option<String>,
    /// With `whatif`: the adequacy decision assumed to stop, by its id (EU-US-DPF, ...).
    #[arg(long)]
    pub decision: Option<String>,
    /// With `whatif`: the first day without it (YYYY-MM-DD); `--on` defaults to it.
    #[arg(long, value_parser = parse_date)]
    pub ends_on: Option<chrono::NaiveDate>,
}

pub(crate) fn parse_format(s: &str) -> Result<register_sheets::export::Format, String> {
    register_sheets::export::Format::parse(s)
        .ok_or_else(|| format!("unknown format {s:?}: csv, json or xlsx"))
}

pub(crate) async fn export(config: Config, args: ExportArgs) -> anyhow::Result<()> {
    use register_sheets::export::{self, ExportKind, ExportOptions, WhatIfQuestion};
    let db = db::connect_existing(&config).await?;
    let state = Register::with_db(config, db).await?;
    let what_if = (args.kind == ExportKind::WhatIf)
        .then(|| {
            WhatIfQuestion::parse(
                &state.reference,
                args.mechanism.as_deref(),
                args.decision.as_deref(),
                args.ends_on,
            )
        })
        .transpose()
        .map_err(AppError::into_cli)?;
    let on = args
        .on
        .or(args.ends_on.filter(|_| args.kind == ExportKind::WhatIf))
        .unwrap_or_else(|| Utc::now().date_naive());
    let options = ExportOptions {
        on,
        processor: args.processor,
        controller: args.controller,
        what_if,
    };
    // Read a page at a time and written as rendered, on the path the service streams by.
    let format = format_of(args.format, args.output.as_deref());
    let (out, mut pieces) = export::stream::channel();
    let output = args.output;
    let render = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut out = std::io::BufWriter::new(Output {
            path: output,
            file: None,
        });
        export::stream::render(&mut pieces, format, &mut out).map_err(AppError::into_cli)?;
        std::io::Write::flush(&mut out)?;
        Ok(())
    });
    let source = export::Source {
        db: &state.db,
        reference: &state.reference,
        verdicts: None,
        page: export::PAGE,
    };
    export::stream::run(&source, args.kind, options, out).await;
    render.await?
}

/// `format`, else the output file's extension, else CSV.
fn format_of(
    format: Option<register_sheets::export::Format>,
    output: Option<&std::path::Path>,
) -> register_sheets::export::Format {
    use register_sheets::export::Format;
    format
        .or_else(|| {
            output
                .and_then(|p| p.extension())
                .and_then(|e| Format::parse(&e.to_string_lossy()))
        })
        .unwrap_or(Format::Csv)
}

/// The output file, created at the first byte (a refused export leaves none), or standard
/// output.
struct Output {
    path: Option<std::path::PathBuf>,
    file: Option<std::fs::File>,
}

impl std::io::Write for Output {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let Some(path) = &self.path else {
            return std::io::stdout().write(data);
        };
        if self.file.is_none() {
            let file = std::fs::File::create(path).map_err(|e| {
                std::io::Error::new(e.kind(), format!("creating {}: {e}", path.display()))
            })?;
            self.file = Some(file);
        }
        match &mut self.file {
            Some(file) => file.write(data),
            None => Ok(0),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some(file) => file.flush(),
            None => std::io::stdout().flush(),
        }
    }
}

/// Writes `output` (standard output without one) in `format`, else the file's extension, else CSV.
fn write_table(
    table: &register_sheets::export::Table,
    format: Option<register_sheets::export::Format>,
    output: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    use std::io::Write;
    let format = format_of(format, output.as_deref());
    match output {
        Some(path) => {
            let file = std::fs::File::create(&path)
                .with_context(|| format!("creating {}", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            table
                .write(format, &mut out)
                .and_then(|()| Ok(out.flush()?))
                .with_context(|| format!("writing {}", path.display()))?;
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout());
            table.write(format, &mut out)?;
            out.flush()?;
        }
    }
    Ok(())
}

pub(crate) fn template(
    kind: register_sheets::import::ImportKind,
    format: Option<register_sheets::export::Format>,
    output: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    if format == Some(register_sheets::export::Format::Json) {
        anyhow::bail!("a template is a CSV or an XLSX file");
    }
    write_table(
        &register_sheets::export::templates::template(kind),
        format,
        output,
    )
}
