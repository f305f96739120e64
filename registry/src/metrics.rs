//! Prometheus metrics in the text exposition format, kept with atomics so that counting a request
//! costs no lock on the hot path: request counts by route, method and status, latency histograms
//! by route, storage appends, TLS reloads, requests refused by authentication or authorization,
//! and gauges for schemas and subjects read from the state at scrape.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS_SECONDS: [f64; 12] =
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];
/// Statuses counted by their own label; anything else counts as "other".
const STATUSES: [u16; 14] = [200, 204, 400, 401, 403, 404, 405, 409, 413, 415, 422, 500, 503, 0];

#[derive(Debug, Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS_SECONDS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        for (bucket, bound) in self.buckets.iter().zip(BUCKETS_SECONDS) {
            if seconds <= bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        for (bucket, bound) in self.buckets.iter().zip(BUCKETS_SECONDS) {
            let n = bucket.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {n}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum{{{labels}}} {sum}");
        let _ = writeln!(out, "{name}_count{{{labels}}} {count}");
    }
}

#[derive(Debug, Default)]
struct RouteStats {
    statuses: [AtomicU64; STATUSES.len()],
    latency: Histogram,
}

/// One route's stats, by HTTP method (a handful at most, so a list).
type ByMethod = Vec<(String, Arc<RouteStats>)>;

/// The registry's metrics.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    /// Route template → per-method stats. Looked up by `&str` so counting allocates nothing.
    routes: RwLock<HashMap<String, ByMethod>>,
    appends: AtomicU64,
    appended_records: AtomicU64,
    append_latency: Histogram,
    /// TLS reloads: [succeeded, failed].
    tls_reloads: [AtomicU64; 2],
    /// Users and rules file reloads: [succeeded, failed].
    auth_reloads: [AtomicU64; 2],
    /// Refused requests: [unauthenticated (401), forbidden (403)].
    denials: [AtomicU64; 2],
}

impl Metrics {
    /// Counts one answered request. `route` is the matched route template, so label
    /// cardinality is bounded by the routing table, never by user input.
    pub(crate) fn observe_request(&self, method: &str, route: &str, status: u16, took: Duration) {
        let found = self.routes.read().unwrap_or_else(PoisonError::into_inner).get(route).and_then(
            |methods| methods.iter().find(|(m, _)| m == method).map(|(_, s)| Arc::clone(s)),
        );
        let stats = match found {
            Some(stats) => stats,
            None => {
                let mut routes = self.routes.write().unwrap_or_else(PoisonError::into_inner);
                let methods = routes.entry(route.to_owned()).or_default();
                match methods.iter().find(|(m, _)| m == method) {
                    Some((_, stats)) => Arc::clone(stats),
                    None => {
                        let stats = Arc::new(RouteStats::default());
                        methods.push((method.to_owned(), Arc::clone(&stats)));
                        stats
                    }
                }
            }
        };
        let slot = STATUSES.iter().position(|s| *s == status).unwrap_or(STATUSES.len() - 1);
        stats.statuses[slot].fetch_add(1, Ordering::Relaxed);
        stats.latency.observe(took);
    }

    pub(crate) fn observe_append(&self, records: usize, took: Duration) {
        self.appends.fetch_add(1, Ordering::Relaxed);
        self.appended_records.fetch_add(records as u64, Ordering::Relaxed);
        self.append_latency.observe(took);
    }

    pub(crate) fn observe_tls_reload(&self, ok: bool) {
        self.tls_reloads[usize::from(!ok)].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn observe_auth_reload(&self, ok: bool) {
        self.auth_reloads[usize::from(!ok)].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a request refused for want of credentials (`forbidden == false`) or of rights.
    pub(crate) fn observe_denial(&self, forbidden: bool) {
        self.denials[usize::from(forbidden)].fetch_add(1, Ordering::Relaxed);
    }

    /// The text exposition, with the gauges passed in.
    pub(crate) fn render(&self, schemas: usize, subjects: usize) -> String {
        let mut out = String::new();
        out.push_str("# HELP schemata_http_requests_total HTTP requests answered.\n");
        out.push_str("# TYPE schemata_http_requests_total counter\n");
        let routes = self.routes.read().unwrap_or_else(PoisonError::into_inner);
        let mut keys: Vec<(&str, &str, &RouteStats)> = routes
            .iter()
            .flat_map(|(route, methods)| {
                methods
                    .iter()
                    .map(move |(method, stats)| (method.as_str(), route.as_str(), &**stats))
            })
            .collect();
        keys.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        for (method, route, stats) in &keys {
            for (count, status) in stats.statuses.iter().zip(STATUSES) {
                let n = count.load(Ordering::Relaxed);
                if n > 0 {
                    let status = if status == 0 { "other".to_owned() } else { status.to_string() };
                    let _ = writeln!(
                        out,
                        "schemata_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
                    );
                }
            }
        }
        out.push_str("# HELP schemata_http_request_duration_seconds Time to answer a request.\n");
        out.push_str("# TYPE schemata_http_request_duration_seconds histogram\n");
        for (method, route, stats) in &keys {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            stats.latency.render(&mut out, "schemata_http_request_duration_seconds", &labels);
        }
        drop(routes);
        out.push_str("# HELP schemata_storage_appends_total Durable appends (one per batch).\n");
        out.push_str("# TYPE schemata_storage_appends_total counter\n");
        let _ = writeln!(
            out,
            "schemata_storage_appends_total {}",
            self.appends.load(Ordering::Relaxed)
        );
        out.push_str("# HELP schemata_storage_records_total Records appended.\n");
        out.push_str("# TYPE schemata_storage_records_total counter\n");
        let _ = writeln!(
            out,
            "schemata_storage_records_total {}",
            self.appended_records.load(Ordering::Relaxed)
        );
        out.push_str(
            "# HELP schemata_storage_append_duration_seconds Time of one durable append.\n",
        );
        out.push_str("# TYPE schemata_storage_append_duration_seconds histogram\n");
        self.append_latency.render(
            &mut out,
            "schemata_storage_append_duration_seconds",
            "backend=\"any\"",
        );
        out.push_str("# HELP schemata_tls_reloads_total TLS certificate reloads by result.\n");
        out.push_str("# TYPE schemata_tls_reloads_total counter\n");
        for (result, count) in ["ok", "error"].iter().zip(&self.tls_reloads) {
            let n = count.load(Ordering::Relaxed);
            let _ = writeln!(out, "schemata_tls_reloads_total{{result=\"{result}\"}} {n}");
        }
        out.push_str(
            "# HELP schemata_auth_reloads_total Users and rules file reloads by result (a \
             failed one keeps the previous file in force).\n",
        );
        out.push_str("# TYPE schemata_auth_reloads_total counter\n");
        for (result, count) in ["ok", "error"].iter().zip(&self.auth_reloads) {
            let n = count.load(Ordering::Relaxed);
            let _ = writeln!(out, "schemata_auth_reloads_total{{result=\"{result}\"}} {n}");
        }
        out.push_str(
            "# HELP schemata_auth_denials_total Requests refused: no valid credentials (401) or \
             no right to the operation (403).\n",
        );
        out.push_str("# TYPE schemata_auth_denials_total counter\n");
        for (reason, count) in ["unauthenticated", "forbidden"].iter().zip(&self.denials) {
            let n = count.load(Ordering::Relaxed);
            let _ = writeln!(out, "schemata_auth_denials_total{{reason=\"{reason}\"}} {n}");
        }
        out.push_str("# HELP schemata_schemas Schemas (distinct ids) stored.\n");
        out.push_str("# TYPE schemata_schemas gauge\n");
        let _ = writeln!(out, "schemata_schemas {schemas}");
        out.push_str("# HELP schemata_subjects Subjects with at least one live version.\n");
        out.push_str("# TYPE schemata_subjects gauge\n");
        let _ = writeln!(out, "schemata_subjects {subjects}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_histograms() {
        let metrics = Metrics::default();
        metrics.observe_request("GET", "/schemas/ids/{id}", 200, Duration::from_micros(300));
        metrics.observe_request("GET", "/schemas/ids/{id}", 404, Duration::from_millis(2));
        metrics.observe_request("GET", "/schemas/ids/{id}", 418, Duration::from_millis(2));
        metrics.observe_request("GET", "/subjects", 403, Duration::from_micros(30));
        metrics.observe_tls_reload(false);
        metrics.observe_auth_reload(true);
        metrics.observe_denial(true);
        metrics.observe_denial(true);
        let text = metrics.render(3, 2);
        for line in [
            r#"schemata_http_requests_total{method="GET",route="/schemas/ids/{id}",status="200"} 1"#,
            r#"schemata_http_requests_total{method="GET",route="/schemas/ids/{id}",status="other"} 1"#,
            r#"schemata_http_request_duration_seconds_bucket{method="GET",route="/schemas/ids/{id}",le="0.0005"} 1"#,
            r#"schemata_http_request_duration_seconds_count{method="GET",route="/schemas/ids/{id}"} 3"#,
            r#"schemata_http_requests_total{method="GET",route="/subjects",status="403"} 1"#,
            r#"schemata_tls_reloads_total{result="ok"} 0"#,
            r#"schemata_tls_reloads_total{result="error"} 1"#,
            r#"schemata_auth_reloads_total{result="ok"} 1"#,
            r#"schemata_auth_denials_total{reason="unauthenticated"} 0"#,
            r#"schemata_auth_denials_total{reason="forbidden"} 2"#,
            "schemata_schemas 3",
            "schemata_subjects 2",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
        }
    }
}
