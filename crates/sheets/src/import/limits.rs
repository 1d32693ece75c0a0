//! What an imported file may hold, and the memory the imports running at once share.
//!
//! A sheet is refused at the first cell beyond a limit, before anything is built for it: the
//! limits bound what an import holds in memory, whatever the file claims.

use crate::{
    config::Config,
    error::{AppError, AppResult},
};
use std::{sync::Arc, time::Duration};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The limits on one imported sheet (each a setting, see [`Config`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetLimits {
    /// Rows below the header (the sheet's last line is at most this plus one).
    pub max_rows: usize,
    pub max_columns: usize,
    /// Cells over all rows, each row counted from the first column to its last cell.
    pub max_cells: usize,
    pub max_cell_chars: usize,
    /// Bytes all the entries of an .xlsx file inflate to, together.
    pub max_inflated_bytes: u64,
    /// Inflated over compressed size of one entry, for entries past [`RATIO_FLOOR`].
    pub max_compression_ratio: u64,
}

/// Whether `text` holds more than `max` characters (its bytes bound them from above, so most
/// cells are decided without counting).
pub fn too_many_chars(text: &str, max: usize) -> bool {
    text.len() > max && text.chars().count() > max
}

/// The refusal of a cell longer than `REGISTER_IMPORT_MAX_CELL_CHARS`, at `line` and 0-based
/// `column`.
pub fn long_cell(line: usize, column: usize, max: usize) -> String {
    format!(
        "line {line}, column {}: a cell holds more than {max} characters \
         (REGISTER_IMPORT_MAX_CELL_CHARS)",
        column + 1
    )
}

/// Entries that inflate to at most this many bytes are not held to the ratio: however well they
/// compress, they cannot cost much (a small file of one repeated character compresses 1000:1).
pub const RATIO_FLOOR: u64 = 1 << 20;

impl SheetLimits {
    pub fn from_config(config: &Config) -> Self {
        Self {
            max_rows: config.import_max_rows,
            max_columns: config.import_max_columns,
            max_cells: config.import_max_cells,
            max_cell_chars: config.import_max_cell_chars,
            max_inflated_bytes: config.import_max_inflated_bytes,
            max_compression_ratio: config.import_max_compression_ratio,
        }
    }

    /// No limits: for a trusted file on the command line (`import --no-limits`).
    pub fn none() -> Self {
        Self {
            max_rows: usize::MAX,
            max_columns: usize::MAX,
            max_cells: usize::MAX,
            max_cell_chars: usize::MAX,
            max_inflated_bytes: u64::MAX,
            max_compression_ratio: u64::MAX,
        }
    }
}

/// The memory the imports running at once may count on together, in KiB (a semaphore's
/// permits). Each import reserves its estimated share before it parses, and gives it back when
/// its report is built; one that cannot get it within the wait is refused as busy.
#[derive(Debug)]
pub struct ImportBudget {
    kib: Arc<Semaphore>,
    total_kib: u64,
    wait: Duration,
}

impl ImportBudget {
    pub fn new(bytes: u64, wait: Duration) -> Self {
        let total_kib = (bytes / 1024).clamp(1, Semaphore::MAX_PERMITS as u64);
        Self {
            kib: Arc::new(Semaphore::new(
                usize::try_from(total_kib).unwrap_or(Semaphore::MAX_PERMITS),
            )),
            total_kib,
            wait,
        }
    }

    pub fn from_config(config: &Config) -> Self {
        Self::new(
            config.import_memory_bytes,
            Duration::from_millis(config.import_wait_ms),
        )
    }

    /// Reserves `bytes` of the budget until the permit is dropped. A share larger than the
    /// whole budget can never be had: that file is refused as too large (`BAD_USER_INPUT` on
    /// `field`), not as busy.
    pub async fn reserve(&self, field: &str, bytes: u64) -> AppResult<OwnedSemaphorePermit> {
        let kib = bytes.div_ceil(1024).max(1);
        let too_large = || {
            AppError::bad_input(
                field,
                format!(
                    "importing this file needs about {} MiB of memory, more than the {} MiB all \
                     imports may use together (REGISTER_IMPORT_MEMORY_BYTES): split the file",
                    bytes.div_ceil(1 << 20),
                    self.total_kib / 1024
                ),
            )
        };
        if kib > self.total_kib {
            return Err(too_large());
        }
        let kib = u32::try_from(kib).map_err(|_| too_large())?;
        match tokio::time::timeout(self.wait, self.kib.clone().acquire_many_owned(kib)).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_closed)) => Err(AppError::internal(anyhow::anyhow!(
                "the import memory budget is closed"
            ))),
            Err(_elapsed) => Err(AppError::Busy(
                "the imports running now use the memory set aside for imports \
                 (REGISTER_IMPORT_MEMORY_BYTES): try again shortly"
                    .into(),
            )),
        }
    }

    /// KiB of the budget free now.
    pub fn available_kib(&self) -> usize {
        self.kib.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_share_beyond_the_budget_is_too_large_and_a_taken_budget_is_busy() {
        let budget = ImportBudget::new(10 << 20, Duration::from_millis(20));
        assert!(matches!(
            budget.reserve("content", 11 << 20).await,
            Err(AppError::BadInput { .. })
        ));
        let held = budget
            .reserve("content", 8 << 20)
            .await
            .expect("8 MiB of 10");
        assert!(matches!(
            budget.reserve("content", 4 << 20).await,
            Err(AppError::Busy(_))
        ));
        drop(held);
        assert!(budget.reserve("content", 4 << 20).await.is_ok());
    }
}
