-- gouji.sqlite: derived from reports.jsonl and cross_findings.csv (docs/dataset.md).
-- `line` (the 1-based line of the input in the batch list) identifies a report within
-- one run; `report_id` (sha256 of the document) repeats when a document appears twice.

CREATE TABLE reports (
  line          INTEGER PRIMARY KEY,
  report_id     TEXT NOT NULL,
  input         TEXT NOT NULL,
  url           TEXT,
  sha256        TEXT,
  format        TEXT NOT NULL,
  status        TEXT NOT NULL,          -- ok | partial | failed
  agency        TEXT,
  year          INTEGER,
  template      TEXT NOT NULL,          -- gk2021 | gk2019 | legacy | unknown
  title         TEXT,
  tables_from   TEXT,
  error_stage   TEXT,                   -- first error: fetch | detect | extract | map
  error_message TEXT,
  n_cells       INTEGER NOT NULL,
  n_errors      INTEGER NOT NULL,       -- findings of severity error
  n_warnings    INTEGER NOT NULL,
  n_info        INTEGER NOT NULL,
  n_findings    INTEGER NOT NULL
);

CREATE TABLE cells (
  line      INTEGER NOT NULL REFERENCES reports(line),
  table_key TEXT NOT NULL,              -- requests | appeals | active | legacy
  row_key   TEXT NOT NULL,
  col_key   TEXT NOT NULL,
  value,                                -- INTEGER (counts) | REAL (amounts, fractions) | NULL
  raw       TEXT NOT NULL,
  unit      TEXT,
  at        TEXT NOT NULL,              -- p3@120,340 | t2r4c5 | Sheet1!D7 | L12:3
  inferred  INTEGER NOT NULL,           -- 0/1
  ocr       INTEGER NOT NULL            -- 0/1
);

CREATE TABLE findings (
  finding_id         INTEGER PRIMARY KEY,
  line               INTEGER NOT NULL REFERENCES reports(line),
  position           INTEGER NOT NULL,  -- order within the record
  rule               TEXT NOT NULL,
  severity           TEXT NOT NULL,     -- error | warning | info
  table_key          TEXT,
  row_key            TEXT,
  col_key            TEXT,
  rows               TEXT,              -- narrative findings over several rows, ;-separated
  expected,                             -- INTEGER | REAL | NULL
  found,                                -- INTEGER | REAL | NULL
  message            TEXT NOT NULL,
  quote              TEXT,
  at                 TEXT,
  expected_share_pct REAL,
  found_share_pct    REAL
);

-- The cells a finding involves (for a sum rule: both sides of the sum), in order.
CREATE TABLE finding_cells (
  finding_id INTEGER NOT NULL REFERENCES findings(finding_id),
  line       INTEGER NOT NULL REFERENCES reports(line),
  position   INTEGER NOT NULL,
  table_key  TEXT NOT NULL,
  row_key    TEXT NOT NULL,
  col_key    TEXT NOT NULL
);

CREATE TABLE errors (
  line     INTEGER NOT NULL REFERENCES reports(line),
  position INTEGER NOT NULL,
  stage    TEXT NOT NULL,
  message  TEXT NOT NULL
);

CREATE TABLE warnings (
  line     INTEGER NOT NULL REFERENCES reports(line),
  position INTEGER NOT NULL,
  message  TEXT NOT NULL
);

CREATE TABLE cross_findings (
  cross_id       INTEGER PRIMARY KEY,
  report_id      TEXT,
  line           INTEGER REFERENCES reports(line),
  input          TEXT,
  agency         TEXT,
  year           INTEGER,
  prev_report_id TEXT,
  prev_line      INTEGER REFERENCES reports(line),
  prev_input     TEXT,
  prev_year      INTEGER,
  rule           TEXT NOT NULL,
  severity       TEXT NOT NULL,
  table_key      TEXT,
  row_key        TEXT,
  col_key        TEXT,
  expected,
  found,
  message        TEXT
);

CREATE TABLE labels (
  template   TEXT NOT NULL,
  table_key  TEXT NOT NULL,
  axis       TEXT NOT NULL,             -- table | row | col | row_group | col_group
  key        TEXT NOT NULL,
  label      TEXT NOT NULL,
  position   INTEGER NOT NULL,
  group_key  TEXT,
  value_kind TEXT                       -- columns: count | amount | signed
);

CREATE INDEX cells_line ON cells(line);
CREATE INDEX cells_key ON cells(table_key, row_key, col_key);
CREATE INDEX findings_line ON findings(line);
CREATE INDEX findings_rule ON findings(rule, severity);
CREATE INDEX finding_cells_finding ON finding_cells(finding_id);
CREATE INDEX finding_cells_line ON finding_cells(line, table_key, row_key, col_key);
CREATE INDEX errors_line ON errors(line);
CREATE INDEX warnings_line ON warnings(line);
CREATE INDEX reports_report_id ON reports(report_id);
CREATE INDEX reports_agency_year ON reports(agency, year);
CREATE INDEX cross_findings_line ON cross_findings(line);
CREATE INDEX cross_findings_prev_line ON cross_findings(prev_line);
CREATE INDEX labels_key ON labels(template, table_key, axis, key);

-- One row per report × 表三 row, with its seven applicant columns, the row's label.
CREATE VIEW requests_wide AS
SELECT r.line, r.report_id, r.agency, r.year, r.template, c.row_key,
       (SELECT l.label FROM labels l
         WHERE l.template = r.template AND l.table_key = 'requests'
           AND l.axis = 'row' AND l.key = c.row_key) AS row_label,
       max(CASE WHEN c.col_key = 'natural_person' THEN c.value END) AS natural_person,
       max(CASE WHEN c.col_key = 'business'       THEN c.value END) AS business,
       max(CASE WHEN c.col_key = 'research'       THEN c.value END) AS research,
       max(CASE WHEN c.col_key = 'nonprofit'      THEN c.value END) AS nonprofit,
       max(CASE WHEN c.col_key = 'legal_service'  THEN c.value END) AS legal_service,
       max(CASE WHEN c.col_key = 'other_org'      THEN c.value END) AS other_org,
       max(CASE WHEN c.col_key = 'total'          THEN c.value END) AS total
FROM reports r JOIN cells c ON c.line = r.line AND c.table_key = 'requests'
GROUP BY r.line, c.row_key;

-- Findings per rule, severity and report year.
CREATE VIEW findings_by_rule_year AS
SELECT f.rule, f.severity, r.year, count(*) AS findings, count(DISTINCT f.line) AS reports
FROM findings f JOIN reports r ON r.line = f.line
GROUP BY f.rule, f.severity, r.year;

-- Findings with the Chinese labels of the cell they are anchored on.
CREATE VIEW findings_labelled AS
SELECT f.*, r.agency, r.year, r.template,
       (SELECT l.label FROM labels l WHERE l.template = r.template AND l.table_key = f.table_key
          AND l.axis = 'table' AND l.key = f.table_key) AS table_label,
       (SELECT l.label FROM labels l WHERE l.template = r.template AND l.table_key = f.table_key
          AND l.axis = 'row' AND l.key = f.row_key) AS row_label,
       (SELECT l.label FROM labels l WHERE l.template = r.template AND l.table_key = f.table_key
          AND l.axis = 'col' AND l.key = f.col_key) AS col_label
FROM findings f JOIN reports r ON r.line = f.line;
