//! Percentiles of measured durations.

use std::time::Duration;

/// The `p` percentile (0–1) of durations, in milliseconds; sorts them first.
pub fn percentile_ms(samples: &mut [Duration], p: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    samples.sort_unstable();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index.min(samples.len() - 1)].as_secs_f64() * 1000.0
}
