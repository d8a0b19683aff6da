//! The regression guard CI runs (`jaria-bench guard`): one scale, a few seconds per route, on
//! each runtime at hand, and a failure when a route's rate over its own runtime's floor falls
//! below half of the ratio `BENCHMARKS.md` records for that runtime and scale, twice in a row.
//! Ratios, not rates, so a slower CI machine does not fail it; half, and a second reading, so
//! noise does not either, while a 4–6 × slowdown of one route cannot land unnoticed.

use std::fmt::Write as _;

use anyhow::{Context, bail};

use crate::{Options, ScaleRun, flag, run_scale, runtime_name};

/// A route's ratio may fall to this share of the recorded one before the guard fails.
const ALLOWED_SHARE: f64 = 0.5;

/// The recorded ratios: (runtime, route) → rate ÷ floor, from the section of `cases` cases.
pub fn recorded_ratios(markdown: &str, cases: usize) -> Vec<(String, String, f64)> {
    let heading = format!("## {cases} cases");
    let Some(start) = markdown.lines().position(|l| l.trim() == heading) else {
        return Vec::new();
    };
    let mut runtimes: Vec<(usize, String)> = Vec::new();
    let mut ratios = Vec::new();
    for line in markdown.lines().skip(start + 1) {
        if line.starts_with("## ") {
            break;
        }
        if !line.starts_with('|') {
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        if cells.first() == Some(&"route") {
            // `| route | jaria up ops/s | ÷ floor | … | spin up ops/s | ÷ floor | … |`
            runtimes = cells
                .iter()
                .enumerate()
                .filter_map(|(i, c)| c.strip_suffix(" ops/s").map(|r| (i + 1, r.to_owned())))
                .collect();
            continue;
        }
        for (column, runtime) in &runtimes {
            if let Some(ratio) = cells.get(*column).and_then(|c| c.parse::<f64>().ok()) {
                ratios.push((runtime.clone(), cells[0].to_owned(), ratio));
            }
        }
    }
    ratios
}

pub fn run(args: &[String]) -> anyhow::Result<()> {
    let mut opts = Options::from_args(args)?;
    if flag(args, "--duration").is_none() {
        opts.duration_secs = 3;
    }
    if flag(args, "--scales").is_none() {
        opts.scales = vec![10_000];
    }
    opts.mixed = false;
    let root = jaria_tests::workspace_root();
    let baseline_path = flag(args, "--baseline")
        .map(Into::into)
        .unwrap_or_else(|| root.join("BENCHMARKS.md"));
    let baseline = std::fs::read_to_string(&baseline_path)
        .with_context(|| format!("cannot read {}", baseline_path.display()))?;
    let out = flag(args, "--out")
        .map(Into::into)
        .unwrap_or_else(|| root.join("target/bench/guard.md"));
    // SAFETY: set before any thread of ours starts.
    unsafe { std::env::set_var("JARIA_HOST_BINARY", crate::jaria_binary()) };
    let manifest = crate::bench_manifest()?;

    let mut report = String::from(
        "| scale | runtime | route | ÷ floor now | recorded | least allowed | |\n|---:|---|---|---:|---:|---:|---|\n",
    );
    let mut failures = Vec::new();
    for &cases in &opts.scales {
        let recorded = recorded_ratios(&baseline, cases);
        if recorded.is_empty() {
            bail!(
                "{} records no route at {cases} cases: run bench/run first",
                baseline_path.display()
            );
        }
        for &runtime in &opts.runtimes {
            let name = runtime_name(runtime);
            // Every run must store each filing once, whatever its speed.
            let stored_once = |scale: &ScaleRun, failures: &mut Vec<String>| {
                if scale.duplicated_keys > 0 {
                    failures.push(format!(
                        "{name}, {cases} cases: {} filings stored twice under one key",
                        scale.duplicated_keys
                    ));
                }
            };
            let scale = run_scale(&opts, runtime, cases, &manifest)?;
            stored_once(&scale, &mut failures);
            let mut below = Vec::new();
            let mut rows = Vec::new();
            for (route, now) in ratios(&scale) {
                match recorded.iter().find(|(r, n, _)| r == name && *n == route) {
                    None => rows.push(format!(
                        "| {cases} | {name} | {route} | {now:.3} | not recorded | | |"
                    )),
                    Some((_, _, then)) if now < then * ALLOWED_SHARE => {
                        below.push((route, now, *then))
                    }
                    Some((_, _, then)) => rows.push(format!(
                        "| {cases} | {name} | {route} | {now:.3} | {then:.3} | {:.3} | ok |",
                        then * ALLOWED_SHARE
                    )),
                }
            }
            // A route below the line is measured once more, with its floor, before it fails:
            // one 3-second reading on a shared 2-core machine can be off by half, while a real
            // 4–6 × slowdown is below the line both times.
            if !below.is_empty() {
                let again_opts = Options {
                    routes: below.iter().map(|(route, _, _)| route.clone()).collect(),
                    ..opts.clone()
                };
                let again_run = run_scale(&again_opts, runtime, cases, &manifest)?;
                stored_once(&again_run, &mut failures);
                let again = ratios(&again_run);
                for (route, first, then) in below {
                    let least = then * ALLOWED_SHARE;
                    let second = again
                        .iter()
                        .find(|(r, _)| *r == route)
                        .map_or(0.0, |(_, now)| *now);
                    let verdict = if second < least {
                        failures.push(format!(
                            "{name}, {cases} cases, {route}: {first:.3} and then {second:.3} of \
                             its floor, below {least:.3} (half of the {then:.3} recorded)"
                        ));
                        "**slower**"
                    } else {
                        "ok on the second run"
                    };
                    rows.push(format!(
                        "| {cases} | {name} | {route} | {first:.3}, then {second:.3} | {then:.3} | {least:.3} | {verdict} |"
                    ));
                }
            }
            for row in rows {
                let _ = writeln!(report, "{row}");
            }
        }
    }
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&out, &report)?;
    eprintln!("{report}");
    eprintln!("wrote {}", out.display());
    if !failures.is_empty() {
        bail!(
            "{} route(s) fell below half of their recorded ratio:\n  {}",
            failures.len(),
            failures.join("\n  ")
        );
    }
    Ok(())
}

/// Each measured route's rate over the run's floor.
fn ratios(scale: &ScaleRun) -> Vec<(String, f64)> {
    let floor = scale.floor.rps().max(1e-9);
    scale
        .routes
        .iter()
        .map(|(route, measured)| (route.name.to_owned(), measured.rps() / floor))
        .collect()
}

/// Whether the guard can read a report as `render` writes it.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_are_read_per_runtime_from_their_scale_only() {
        let report = "## 10000 cases\n\nPeak …\n\n\
            | route | jaria up ops/s | ÷ floor | p50 ms | p99 ms | errors | peak MiB | spin up ops/s | ÷ floor | p50 ms | p99 ms | errors | peak MiB |\n\
            |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n\
            | me | 9000 | 0.450 | 3.2 | 10 | 0 | 125 | 3300 | 0.350 | 9 | 20 | 0 | 200 |\n\
            | case list | 3100 | 0.155 | 9 | 30 | 0 | 125 | 1600 | 0.170 | 18 | 40 | 0 | 200 |\n\n\
            ## 1000000 cases\n\n\
            | route | jaria up ops/s | ÷ floor | p50 ms | p99 ms | errors | peak MiB |\n\
            | me | 1 | 0.001 | 3.2 | 10 | 0 | 125 |\n";
        let ratios = recorded_ratios(report, 10_000);
        assert_eq!(
            ratios,
            vec![
                ("jaria up".into(), "me".into(), 0.45),
                ("spin up".into(), "me".into(), 0.35),
                ("jaria up".into(), "case list".into(), 0.155),
                ("spin up".into(), "case list".into(), 0.17),
            ]
        );
        assert_eq!(recorded_ratios(report, 1_000_000).len(), 1);
        assert!(recorded_ratios(report, 5).is_empty());
    }
}
