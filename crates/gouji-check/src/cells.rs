//! The cells a check reads: canonical (table, row, column) keys with the value the map
//! stage parsed and where in the document it was printed.

use gouji_doc::Provenance;
use gouji_model::number::Parsed;

/// A table cell resolved to canonical keys.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedCell {
    /// Table key.
    pub table: String,
    /// Row key.
    pub row: String,
    /// Column key.
    pub col: String,
    /// Cell text (whitespace-normalised, line breaks removed).
    pub raw: String,
    /// Parsed value.
    pub parsed: Parsed,
    /// Provenance.
    pub at: Provenance,
    /// The row or column key was inferred (template order or count), not read from a
    /// printed label.
    pub inferred: bool,
}
