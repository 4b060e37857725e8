//! Output for people and CI: progress lines, the summary table, JUnit XML and the Markdown
//! drift report.

use crate::drift::{Drift, DriftKind};
use crate::scenario::{Outcome, ScenarioResult};
use std::fmt::Write;

/// One line for a finished scenario: `[3/9] PASS  paging_walk  (12 requests, 0.05s)`.
pub fn progress_line(index: usize, total: usize, r: &ScenarioResult) -> String {
    let label = match &r.outcome {
        Outcome::Pass => "PASS",
        Outcome::Fail(_) => "FAIL",
        Outcome::Skip(_) => "SKIP",
    };
    let mut line = format!(
        "[{index}/{total}] {label}  {}  ({} requests, {:.2}s)",
        r.name,
        r.recording.exchanges.len(),
        r.duration.as_secs_f64()
    );
    match &r.outcome {
        Outcome::Fail(f) => {
            let _ = write!(line, "\n      {f}");
        }
        Outcome::Skip(why) => {
            let _ = write!(line, ": {why}");
        }
        Outcome::Pass => {}
    }
    line
}

/// Counts: (passed, failed, skipped).
pub fn counts(results: &[ScenarioResult]) -> (usize, usize, usize) {
    results.iter().fold((0, 0, 0), |(p, f, s), r| match r.outcome {
        Outcome::Pass => (p + 1, f, s),
        Outcome::Fail(_) => (p, f + 1, s),
        Outcome::Skip(_) => (p, f, s + 1),
    })
}

/// The summary table printed at the end of a run.
pub fn summary_table(target: &str, results: &[ScenarioResult]) -> String {
    let w = results.iter().map(|r| r.name.len()).max().unwrap_or(8).max(8);
    let a = results.iter().map(|r| r.area.len()).max().unwrap_or(4).max(4);
    let mut out = String::new();
    let _ = writeln!(out, "\nigconform against {target}\n");
    let _ = writeln!(
        out,
        "{:<w$}  {:<a$}  {:<6}  {:>8}  {:>7}  detail",
        "scenario", "area", "result", "requests", "seconds"
    );
    let _ = writeln!(out, "{}", "-".repeat(w + a + 40));
    for r in results {
        let detail = match &r.outcome {
            Outcome::Pass => r.notes.join("; "),
            Outcome::Fail(f) => format!("{} in '{}'", f.check.as_str(), f.step),
            Outcome::Skip(why) => why.clone(),
        };
        let _ = writeln!(
            out,
            "{:<w$}  {:<a$}  {:<6}  {:>8}  {:>7.2}  {detail}",
            r.name,
            r.area,
            r.outcome.label(),
            r.recording.exchanges.len(),
            r.duration.as_secs_f64()
        );
    }
    let (p, f, s) = counts(results);
    let _ = writeln!(out, "\n{p} passed, {f} failed, {s} skipped");
    out
}

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters even as references.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: one `<testcase>` per scenario (class = area), failures with their check and
/// step, skips with their reason; drift findings (if any) as one extra failing case.
pub fn junit(target: &str, results: &[ScenarioResult], drift: Option<&[Drift]>) -> String {
    let (_, failed, skipped) = counts(results);
    let drift_fail = drift.is_some_and(crate::drift::has_drift);
    let tests = results.len() + usize::from(drift.is_some());
    let failures = failed + usize::from(drift_fail);
    let time: f64 = results.iter().map(|r| r.duration.as_secs_f64()).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"igconform\" tests=\"{tests}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{time:.3}\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"igconform {}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{time:.3}\">",
        xml(target)
    );
    for r in results {
        let _ = write!(
            out,
            "    <testcase classname=\"igconform.{}\" name=\"{}\" time=\"{:.3}\"",
            xml(r.area),
            xml(r.name),
            r.duration.as_secs_f64()
        );
        match &r.outcome {
            Outcome::Pass if r.notes.is_empty() => out.push_str("/>\n"),
            Outcome::Pass => {
                let _ = writeln!(
                    out,
                    ">\n      <system-out>{}</system-out>\n    </testcase>",
                    xml(&r.notes.join("\n"))
                );
            }
            Outcome::Fail(f) => {
                let _ = writeln!(
                    out,
                    ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                    f.check.as_str(),
                    xml(&format!(
                        "step '{}': {}",
                        f.step,
                        f.message.lines().next().unwrap_or("")
                    )),
                    xml(&f.to_string())
                );
            }
            Outcome::Skip(why) => {
                let _ = writeln!(out, ">\n      <skipped message=\"{}\"/>\n    </testcase>", xml(why));
            }
        }
    }
    if let Some(findings) = drift {
        let _ = write!(
            out,
            "    <testcase classname=\"igconform.drift\" name=\"no_drift\" time=\"0\""
        );
        let real: Vec<&Drift> = findings.iter().filter(|d| d.kind.is_drift()).collect();
        if real.is_empty() {
            out.push_str("/>\n");
        } else {
            let body: Vec<String> = real.iter().map(|d| drift_line(d)).collect();
            let _ = writeln!(
                out,
                ">\n      <failure type=\"drift\" message=\"{} drift finding(s)\">{}</failure>\n    </testcase>",
                real.len(),
                xml(&body.join("\n"))
            );
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn drift_line(d: &Drift) -> String {
    if d.path.is_empty() {
        format!("[{}] {} / {}: {}", d.kind.as_str(), d.scenario, d.request, d.detail)
    } else {
        format!(
            "[{}] {} / {} {}: {}",
            d.kind.as_str(),
            d.scenario,
            d.request,
            d.path,
            d.detail
        )
    }
}

/// Drift findings for a terminal.
pub fn drift_text(findings: &[Drift]) -> String {
    let mut out = String::new();
    for d in findings {
        let _ = writeln!(out, "{}", drift_line(d));
    }
    let n = findings.iter().filter(|d| d.kind.is_drift()).count();
    let _ = writeln!(out, "{n} drift finding(s), {} note(s)", findings.len() - n);
    out
}

/// The Markdown drift report: what was compared, the scenario table, every finding.
pub fn markdown(base: &str, other: &str, results: &[ScenarioResult], findings: &[Drift]) -> String {
    let mut out = String::from("# igconform drift report\n\n");
    let _ = writeln!(out, "Base: `{base}`  \nCompared: `{other}`\n");
    if !results.is_empty() {
        let (p, f, s) = counts(results);
        let _ = writeln!(out, "## Scenarios ({p} passed, {f} failed, {s} skipped)\n");
        out.push_str("| scenario | area | result | requests | detail |\n|---|---|---|---:|---|\n");
        for r in results {
            let detail = match &r.outcome {
                Outcome::Pass => r.notes.join("; "),
                Outcome::Fail(f) => f.to_string(),
                Outcome::Skip(why) => why.clone(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                r.name,
                r.area,
                r.outcome.label(),
                r.recording.exchanges.len(),
                md(&detail)
            );
        }
        out.push('\n');
    }
    let real: Vec<&Drift> = findings.iter().filter(|d| d.kind.is_drift()).collect();
    if real.is_empty() {
        out.push_str("## Drift\n\nNo drift: every shared request has the same fields, types, enum values, errors and paging shape.\n");
    } else {
        let _ = writeln!(out, "## Drift ({} finding(s))\n", real.len());
        out.push_str("| kind | scenario | request | path | detail |\n|---|---|---|---|---|\n");
        for d in &real {
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | `{}` | {} |",
                d.kind.as_str(),
                d.scenario,
                md(&d.request),
                d.path,
                md(&d.detail)
            );
        }
    }
    let notes: Vec<&Drift> = findings.iter().filter(|d| d.kind == DriftKind::OnlyInOne).collect();
    if !notes.is_empty() {
        let _ = writeln!(out, "\n## Requests made on one side only ({})\n", notes.len());
        for d in notes {
            let _ = writeln!(out, "- {} / `{}`: {}", d.scenario, md(&d.request), d.detail);
        }
    }
    out
}

fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}
