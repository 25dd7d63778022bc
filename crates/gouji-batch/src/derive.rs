//! Outputs derived from a finished batch by the caller (the cross-year pass, the SQLite
//! dataset), given each finalized record as it is written.

use gouji_model::Record;
use std::path::Path;

/// What the caller derives from a finished batch, run while the output directory's
/// lock is still held.
///
/// [`Derive::record`] is given each record of the finalized `reports.jsonl`, in line
/// order, while the CSV files are written from the same parsed record: a caller can
/// build another output (the SQLite dataset) on a second thread during that pass instead
/// of parsing the journal again after it; [`Derive::records_end`] follows the last one.
/// [`Derive::finish`] runs once every file the batch writes is in place. It is not
/// called when finalisation fails; the value is then dropped, so an implementation
/// discards what it began in `Drop`.
///
/// Any `FnOnce(&Path) -> T` is a `Derive` that ignores the records.
pub trait Derive {
    /// What [`Derive::finish`] returns.
    type Output;
    /// The next line of the finalized `reports.jsonl`, as a record.
    fn record(&mut self, rec: Record) {
        let _ = rec;
    }
    /// Every record has been given to [`Derive::record`] and the CSV files and the
    /// journal are in place; [`Derive::finish`] follows once the batch's metadata is
    /// written. A caller building on a second thread can start its last steps here.
    fn records_end(&mut self) {}
    /// Every output of the batch is written.
    fn finish(self, out_dir: &Path) -> Self::Output;
}

impl<T, F: FnOnce(&Path) -> T> Derive for F {
    type Output = T;
    fn finish(self, out_dir: &Path) -> T {
        self(out_dir)
    }
}
