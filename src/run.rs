//! Batch runs over lists of URLs or paths: the pipeline plugged into the batch runner.

use crate::pipeline::{Options, process_input};
use gouji_batch::Processor;
use gouji_fetch::Fetch;
use gouji_model::Record;

/// The full pipeline (fetch → detect → extract → map → reconcile) as a batch processor.
pub struct PipelineProcessor<F: Fetch> {
    fetcher: F,
    opts: Options,
}

impl<F: Fetch> PipelineProcessor<F> {
    /// A processor fetching through `fetcher`.
    pub fn new(fetcher: F, opts: Options) -> Self {
        PipelineProcessor { fetcher, opts }
    }
}

impl<F: Fetch> Processor for PipelineProcessor<F> {
    fn process(&self, input: &str, line: u64) -> Record {
        let mut r = process_input(input, &self.fetcher, &self.opts);
        r.source.line = Some(line);
        r
    }
}

pub use gouji_batch::cross::{CROSS_FINDINGS_CSV, CROSS_FINDINGS_HEADER, cross_check_batch};

/// Adds cross-year findings to records processed together (e.g. `gouji extract` of
/// several years of one agency): each finding goes to the later year's record.
pub fn cross_check_records(records: &mut [Record]) {
    let summaries: Vec<_> = records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| crate::crossyear::summarize(r, i as u64))
        .collect();
    for f in crate::crossyear::check(&summaries) {
        if let Some(r) = records.get_mut(f.line as usize) {
            r.findings.push(f.finding);
        }
    }
}

/// The outputs a batch derives after its CSV files: the cross-year pass
/// (`cross_findings.csv`) and the SQLite dataset, which is built on its own thread from
/// the records as the batch finalizes them (see [`gouji_batch::Derive`]).
pub struct BatchOutputs {
    dir: std::path::PathBuf,
    labels: Vec<gouji_dataset::Label>,
    dataset: Option<gouji_dataset::Background>,
}

/// What [`BatchOutputs`] derived: the number of cross-year findings, and the dataset.
pub type Derived = (
    std::io::Result<usize>,
    Result<gouji_dataset::DatasetSummary, gouji_dataset::DatasetError>,
);

impl BatchOutputs {
    /// The outputs of the batch in `dir`, with the embedded templates' labels.
    pub fn new(dir: &std::path::Path) -> Self {
        BatchOutputs {
            dir: dir.to_path_buf(),
            labels: crate::dataset::template_labels(),
            dataset: None,
        }
    }
}

impl gouji_batch::Derive for BatchOutputs {
    type Output = Derived;

    fn record(&mut self, rec: Record) {
        // The thread starts with the first record, so a batch that stops before it
        // finalizes starts none.
        let (dir, labels) = (&self.dir, &self.labels);
        self.dataset
            .get_or_insert_with(|| gouji_dataset::Background::spawn(dir, labels.clone()))
            .record(rec);
    }

    fn records_end(&mut self) {
        // The dataset indexes its rows while the cross-year pass runs.
        if let Some(ds) = &mut self.dataset {
            ds.end_records();
        }
    }

    fn finish(self, out_dir: &std::path::Path) -> Derived {
        let cross = cross_check_batch(out_dir);
        // The dataset loads cross_findings.csv once its records end: after the pass.
        let dataset = match self.dataset {
            Some(ds) => ds.finish(),
            None => gouji_dataset::write_dataset(out_dir, &self.labels),
        };
        (cross, dataset)
    }
}
