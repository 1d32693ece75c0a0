//! `transfer-register`: parse the command line and hand over to the library.

use clap::Parser;

/// jemalloc rather than the system allocator: under concurrent requests glibc's malloc spent a
/// fifth of the service's CPU in allocation and its arena locks (a `perf` profile of whoHolds
/// over HTTP, BENCHMARKS.md). mimalloc did as well there, but made the first whole-register
/// answer after start two to three times slower than the next (fresh pages); jemalloc did not.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = transfer_register::cli::Cli::parse();
    match transfer_register::cli::run(cli, transfer_register::API).await {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
