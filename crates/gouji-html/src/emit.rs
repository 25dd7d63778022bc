//! Turning the chosen part of the tree into paragraphs and tables in reading order.

use crate::dom::{DomInfo, N, TextBuf, is_block, is_chrome_tag, is_skipped, looks_like_chrome};
use crate::table::{self, Kind, classify};
use ego_tree::NodeId;
use gouji_doc::{Block, Limits, Paragraph, Provenance, normalize_ws};
use scraper::Node;

enum Step<'a> {
    Enter(N<'a>),
    Flush,
}

/// Accumulates blocks while walking the tree.
pub(crate) struct Emitter<'i> {
    info: &'i DomInfo,
    limits: &'i Limits,
    pub blocks: Vec<Block>,
    pub warnings: Vec<gouji_doc::Warning>,
    text: TextBuf,
    paragraphs: usize,
    full: bool,
    /// Drop elements that look like chrome by class/id (no article container was found).
    drop_chrome: bool,
    body: Option<NodeId>,
}

impl<'i> Emitter<'i> {
    pub(crate) fn new(info: &'i DomInfo, limits: &'i Limits, drop_chrome: bool) -> Self {
        Emitter {
            info,
            limits,
            blocks: Vec::new(),
            warnings: Vec::new(),
            text: TextBuf::default(),
            paragraphs: 0,
            full: false,
            drop_chrome,
            body: None,
        }
    }

    /// Walks the body subtree, iteratively (element depth is unbounded).
    pub(crate) fn walk_body(&mut self, body: N<'_>) {
        self.body = Some(body.id());
        let mut stack = vec![Step::Enter(body)];
        while let Some(step) = stack.pop() {
            if self.full {
                return;
            }
            let n = match step {
                Step::Flush => {
                    self.flush();
                    continue;
                }
                Step::Enter(n) => n,
            };
            let el = match n.value() {
                Node::Text(t) => {
                    self.text.push_text(t);
                    continue;
                }
                Node::Element(el) => el,
                Node::Document | Node::Fragment => {
                    stack.extend(n.children().rev().map(Step::Enter));
                    continue;
                }
                _ => continue,
            };
            let Some(stats) = self.info.get(n.id()) else {
                continue;
            };
            if is_skipped(el) {
                continue;
            }
            let name = el.name();
            if Some(n.id()) != self.body {
                if is_chrome_tag(name) || (self.drop_chrome && looks_like_chrome(el)) {
                    continue;
                }
                // Link lists (related articles, menus): at least three links, 70 % of the
                // text inside them. Their targets are kept in `Document::links` anyway.
                if stats.links >= 3
                    && stats.link_weight.saturating_mul(10) >= stats.weight.saturating_mul(7)
                {
                    continue;
                }
            }
            if name == "br" {
                self.flush();
                continue;
            }
            if name == "table" && classify(n, self.info) == Kind::Data {
                self.table(n);
                continue;
            }
            if is_block(name) {
                self.flush();
                stack.push(Step::Flush);
            }
            stack.extend(n.children().rev().map(Step::Enter));
        }
        self.flush();
    }

    /// Emits one data table (and its captions as paragraphs before it).
    pub(crate) fn table(&mut self, t: N<'_>) {
        self.flush();
        let index = self.info.table_index.get(&t.id()).copied().unwrap_or(0);
        let built = table::build(t, index, self.limits);
        self.warnings.extend(built.warnings);
        for c in built.captions {
            for line in c.lines() {
                self.paragraph(line);
            }
        }
        if let Some(tbl) = built.table {
            self.push(Block::Table(tbl));
        }
    }

    fn flush(&mut self) {
        if self.text.is_empty() {
            return;
        }
        let raw = self.text.take();
        let norm = normalize_ws(&raw);
        for line in norm.lines() {
            self.paragraph(line);
        }
    }

    fn paragraph(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        self.paragraphs += 1;
        let at = Provenance::Block {
            index: self.paragraphs,
        };
        self.push(Block::Paragraph(Paragraph {
            text: text.to_string(),
            at,
        }));
    }

    fn push(&mut self, b: Block) {
        if self.full {
            return;
        }
        if self.blocks.len() >= self.limits.max_blocks {
            self.full = true;
            self.warnings.push(gouji_doc::Warning::new(
                gouji_doc::WarningCode::Truncated,
                format!(
                    "more than {} blocks; the rest of the page was dropped",
                    self.limits.max_blocks
                ),
            ));
            return;
        }
        self.blocks.push(b);
    }

    pub(crate) fn finish(&mut self) {
        self.flush();
    }
}
