//! Estimated cost of model calls: a built-in price table (USD per million tokens) that the
//! configuration's `[prices."model"]` tables extend or override. Dated snapshots
//! (`gpt-4.1-2025-04-14`) are priced like their base name by longest prefix; unknown models
//! (local servers) cost nothing.

use std::collections::BTreeMap;

use crate::config::Price;

/// Built-in prices, USD per million prompt / completion / cached prompt tokens.
pub const BUILTIN: &[(&str, f64, f64, f64)] = &[
    ("gpt-5", 1.25, 10.00, 0.125),
    ("gpt-5-mini", 0.25, 2.00, 0.025),
    ("gpt-5-nano", 0.05, 0.40, 0.005),
    ("gpt-4.1", 2.00, 8.00, 0.50),
    ("gpt-4.1-mini", 0.40, 1.60, 0.10),
    ("gpt-4.1-nano", 0.10, 0.40, 0.025),
    ("gpt-4o", 2.50, 10.00, 1.25),
    ("gpt-4o-mini", 0.15, 0.60, 0.075),
    ("o3", 2.00, 8.00, 0.50),
    ("o3-mini", 1.10, 4.40, 0.55),
    ("o4-mini", 1.10, 4.40, 0.275),
    ("o1", 15.00, 60.00, 7.50),
];

/// The price of `model`: configured entries first, then the built-in table; exact name,
/// else the longest known prefix followed by `-`.
pub fn lookup(model: &str, configured: &BTreeMap<String, Price>) -> Option<Price> {
    if let Some(p) = configured.get(model) {
        return Some(*p);
    }
    if let Some((_, i, o, c)) = BUILTIN.iter().find(|(m, ..)| *m == model) {
        return Some(Price { input: *i, output: *o, cached: Some(*c) });
    }
    let prefixed =
        |m: &str| model.len() > m.len() && model.starts_with(m) && model[m.len()..].starts_with('-');
    let from_config = configured.iter().filter(|(m, _)| prefixed(m)).max_by_key(|(m, _)| m.len());
    if let Some((_, p)) = from_config {
        return Some(*p);
    }
    BUILTIN.iter().filter(|(m, ..)| prefixed(m)).max_by_key(|(m, ..)| m.len()).map(|(_, i, o, c)| Price {
        input: *i,
        output: *o,
        cached: Some(*c),
    })
}

/// Estimated cost in USD of a call; 0 for models without a known price. `cached_tokens` of
/// the prompt are priced at the cached rate (the prompt rate when none is known).
pub fn cost(
    model: &str,
    prompt_tokens: u64,
    cached_tokens: u64,
    completion_tokens: u64,
    configured: &BTreeMap<String, Price>,
) -> f64 {
    match lookup(model, configured) {
        Some(p) => {
            let cached = cached_tokens.min(prompt_tokens);
            ((prompt_tokens - cached) as f64 * p.input
                + cached as f64 * p.cached.unwrap_or(p.input)
                + completion_tokens as f64 * p.output)
                / 1_000_000.0
        }
        None => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_prefix_and_configured_prices() {
        let none = BTreeMap::new();
        assert_eq!(lookup("gpt-4.1", &none), Some(Price { input: 2.0, output: 8.0, cached: Some(0.5) }));
        assert_eq!(
            lookup("gpt-4.1-mini-2025-04-14", &none),
            Some(Price { input: 0.4, output: 1.6, cached: Some(0.1) })
        );
        assert_eq!(lookup("gpt-4.10", &none), None);
        assert_eq!(lookup("llama3.1:8b", &none), None);
        let mut cfg = BTreeMap::new();
        cfg.insert("gpt-4.1".to_string(), Price { input: 1.0, output: 1.0, cached: None });
        cfg.insert("llama3.1".to_string(), Price { input: 0.5, output: 0.5, cached: Some(0.25) });
        assert_eq!(lookup("gpt-4.1", &cfg), Some(Price { input: 1.0, output: 1.0, cached: None }));
        assert_eq!(lookup("llama3.1-8b", &cfg), Some(Price { input: 0.5, output: 0.5, cached: Some(0.25) }));
        let c = cost("gpt-4.1", 1_000_000, 0, 500_000, &none);
        assert!((c - 6.0).abs() < 1e-9, "{c}");
        assert_eq!(cost("local-model", 1000, 0, 1000, &none), 0.0);
        // Cached prompt tokens cost the cached rate; without one, the prompt rate.
        let c = cost("gpt-4.1", 1_000_000, 800_000, 0, &none);
        assert!((c - (0.2 * 2.0 + 0.8 * 0.5)).abs() < 1e-9, "{c}");
        let c = cost("gpt-4.1", 1_000_000, 800_000, 0, &cfg);
        assert!((c - 1.0).abs() < 1e-9, "{c}");
        let c = cost("llama3.1", 1_000_000, 2_000_000, 0, &cfg);
        assert!((c - 0.25).abs() < 1e-9, "never more cached than prompt tokens: {c}");
    }
}
