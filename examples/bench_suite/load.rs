//! The load generator: `oha` (installed by `scripts/bench.sh`), 8 clients on keep-alive
//! connections for a fixed time, read back from its JSON report.

use std::process::Command;

/// What one load run measured.
#[derive(Debug, Clone, Copy)]
pub struct Figures {
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub per_second: f64,
    /// Answers with a status other than 200 (a bench that counts errors as speed lies).
    pub not_ok: u64,
}

fn seconds() -> u64 {
    std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
}

/// `url` under 8 concurrent keep-alive clients, after a one-second warm-up.
pub fn run(url: &str, headers: &[(&str, &str)]) -> Figures {
    oha(url, headers, 1);
    oha(url, headers, seconds())
}

fn oha(url: &str, headers: &[(&str, &str)], secs: u64) -> Figures {
    let program = std::env::var("OHA").unwrap_or_else(|_| "oha".into());
    let mut command = Command::new(&program);
    command.args([
        "-z",
        &format!("{secs}s"),
        "-c",
        "8",
        "--no-tui",
        "--output-format",
        "json",
    ]);
    for (name, value) in headers {
        command.arg("-H").arg(format!("{name}: {value}"));
    }
    let output = command
        .arg(url)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} (scripts/bench.sh installs it): {e}"));
    assert!(
        output.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("oha prints its report as JSON");
    let ms = |p: &str| report["latencyPercentiles"][p].as_f64().unwrap_or(f64::NAN) * 1e3;
    let not_ok = report["statusCodeDistribution"]
        .as_object()
        .map(|codes| {
            codes
                .iter()
                .filter(|(code, _)| code.as_str() != "200")
                .map(|(_, n)| n.as_u64().unwrap_or(0))
                .sum()
        })
        .unwrap_or(0);
    Figures {
        p50_ms: ms("p50"),
        p99_ms: ms("p99"),
        per_second: report["summary"]["requestsPerSec"]
            .as_f64()
            .unwrap_or(f64::NAN),
        not_ok,
    }
}
