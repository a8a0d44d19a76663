//! A CRS as markdown, for terminals and `--out FILE.md`.

use super::Crs;

fn list(out: &mut String, title: &str, items: &[String]) {
    out.push_str(&format!("\n## {title}\n\n"));
    if items.is_empty() {
        out.push_str("_None._\n");
    }
    for i in items {
        out.push_str(&format!("- {i}\n"));
    }
}

/// Renders a CRS as markdown.
pub fn to_markdown(crs: &Crs) -> String {
    let mut out = format!("# Change request\n\n{}\n", crs.summary.trim());
    list(&mut out, "Goals", &crs.goals);
    list(&mut out, "Non-goals", &crs.non_goals);
    list(&mut out, "Constraints", &crs.constraints);
    out.push_str("\n## Acceptance criteria\n\n");
    for ac in &crs.acceptance_criteria {
        out.push_str(&format!(
            "- **{}** {}\n  - check: {}\n",
            ac.id,
            ac.description.trim(),
            ac.verification.trim()
        ));
    }
    list(&mut out, "Affected areas", &crs.affected_areas);
    list(&mut out, "Risks", &crs.risks);
    list(&mut out, "Open questions", &crs.open_questions);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_has_every_section() {
        let md = to_markdown(&crate::crs::schema::tests::sample());
        assert!(md.starts_with(
            "# Change request\n\nAdd a --verbose flag\n\n## Goals\n\n- More output on request\n"
        ));
        assert!(md.contains("## Non-goals\n\n_None._\n"));
        assert!(md.contains("- **AC1** --verbose prints debug lines\n  - check: cargo test verbose\n"));
        assert!(md.ends_with("## Open questions\n\n_None._\n"));
    }
}
