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
