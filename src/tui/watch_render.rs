//! Draws the job watch: a header with the numbers (status, step, tokens, cost, time), the
//! stages, the current step, the activity and criteria side by side, the command output,
//! the status line and the key bar; the result view, the cancel question or the key list
//! on top when open.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::watch::{Mode, Origin, Tone, WatchApp, WATCH_KEYS};
use super::{thousands, Theme};
use crate::jobs::Status;
use crate::output::{duration_ms, short_id};

fn pick(theme: &Theme, colored: Style, plain: Style) -> Style {
    if theme.color {
        colored
    } else {
        plain
    }
}

fn bold() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

fn tone(theme: &Theme, t: Tone) -> Style {
    match t {
        Tone::Plain => Style::default(),
        Tone::Good => pick(theme, Style::default().fg(Color::Green), Style::default()),
        Tone::Bad => pick(theme, Style::default().fg(Color::Red), bold()),
        Tone::Warn => pick(theme, Style::default().fg(Color::Yellow), Style::default()),
        Tone::Dim => pick(theme, Style::default().add_modifier(Modifier::DIM), Style::default()),
    }
}

fn heading(theme: &Theme) -> Style {
    pick(theme, Style::default().fg(Color::Cyan).add_modifier(Modifier::BOLD), bold())
}

/// The header's numbers: `job 01234567  running  step 2/2  12,345 tokens  $0.0123  1m05s`.
fn header(app: &WatchApp) -> String {
    let mut s = format!(" job {}  {}", short_id(&app.job_id), app.status.map_or("…", Status::as_str));
    if let Some((n, of, _)) = &app.step {
        s.push_str(&format!("  step {n}/{of}"));
    }
    s.push_str(&format!("  {} tokens", thousands(app.tokens)));
    if let Some(c) = app.cost_usd {
        s.push_str(&format!("  ${c:.4}"));
    }
    if let Some(ms) = app.elapsed_ms() {
        s.push_str(&format!("  {}", duration_ms(ms)));
    }
    s
}

fn stages(app: &WatchApp, theme: &Theme) -> Line<'static> {
    let at = app.status.and_then(|s| Status::STAGES.iter().position(|x| *x == s));
    let done = app.status == Some(Status::Done);
    let mut spans = vec![Span::raw(" ")];
    for (i, s) in Status::STAGES.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" › ", tone(theme, Tone::Dim)));
        }
        let (mark, style) = match at {
            _ if done => ("✓ ", tone(theme, Tone::Good)),
            Some(a) if i < a => ("✓ ", tone(theme, Tone::Good)),
            Some(a) if i == a => ("● ", heading(theme)),
            _ => ("  ", tone(theme, Tone::Dim)),
        };
        spans.push(Span::styled(format!("{mark}{s}"), style));
    }
    if let Some(s) = app.status.filter(|s| !Status::STAGES.contains(s) && *s != Status::Done) {
        let t = if s == Status::Queued { Tone::Dim } else { Tone::Bad };
        spans.push(Span::styled(format!("   {s}"), tone(theme, t)));
    }
    Line::from(spans)
}

/// The key bar for what is on screen.
fn key_bar(app: &WatchApp) -> &'static str {
    match (app.mode, app.is_over(), app.outcome.is_some()) {
        (Mode::Result, _, _) => " ↑↓ scroll  PgUp/PgDn page  q back  ? keys",
        (_, true, true) => " r result  ↑↓ scroll  q quit  ? keys",
        (_, true, false) => " ↑↓ scroll  q quit  ? keys",
        _ => " c cancel  d detach  ↑↓ scroll output  q back out  ? keys",
    }
}

fn status_line(app: &WatchApp, theme: &Theme) -> Line<'static> {
    if let Some(n) = &app.note {
        return Line::styled(format!(" {n}"), tone(theme, Tone::Warn));
    }
    match app.status {
        Some(Status::Done) => {
            let branch = app.branch.clone().unwrap_or_default();
            let more = if app.outcome.is_some() { "; r opens the result" } else { "" };
            Line::styled(format!(" done: branch {branch}{more}"), tone(theme, Tone::Good))
        }
        Some(s) if s.is_final() => {
            let why = app.error.clone().map_or_else(String::new, |e| format!(": {e}"));
            let more = if app.outcome.is_some() { "; r opens the result" } else { "" };
            Line::styled(format!(" {s}{why}{more}"), tone(theme, Tone::Bad))
        }
        _ => {
            Line::styled(" following the job; d leaves it running in the background", tone(theme, Tone::Dim))
        }
    }
}

/// Draws the watch (or the result view).
pub fn draw(frame: &mut Frame, app: &WatchApp, theme: &Theme) {
    let area = frame.area();
    let bar = Style::default().add_modifier(Modifier::REVERSED);
    if app.mode == Mode::Result {
        let [head, body, keys] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(area);
        frame.render_widget(Paragraph::new(header(app)).style(bar), head);
        draw_result(frame, app, theme, body);
        frame.render_widget(Paragraph::new(key_bar(app)).style(bar), keys);
        return;
    }
    let side_h = if area.height >= 30 { 10 } else { 8 };
    let [head, stage_area, step_area, side, out_area, status, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(side_h),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(header(app)).style(bar), head);
    frame.render_widget(Paragraph::new(stages(app, theme)), stage_area);
    let step = match &app.step {
        Some((n, of, title)) => Line::from(vec![
            Span::styled(format!(" Step {n}/{of} "), heading(theme)),
            Span::styled(title.clone(), bold()),
        ]),
        None => Line::styled(" waiting for the agent's first step", tone(theme, Tone::Dim)),
    };
    frame.render_widget(Paragraph::new(step), step_area);

    let [act_area, crit_area] =
        Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(side);
    let inner = act_area.height.saturating_sub(2) as usize;
    let acts: Vec<Line> = app.activity[app.activity.len().saturating_sub(inner)..]
        .iter()
        .map(|(t, l)| Line::styled(l.clone(), tone(theme, *t)))
        .collect();
    frame.render_widget(
        Paragraph::new(acts).block(Block::default().borders(Borders::ALL).title(" Activity ")),
        act_area,
    );
    let crits: Vec<Line> = if app.criteria.is_empty() {
        vec![Line::styled("none checked yet", tone(theme, Tone::Dim))]
    } else {
        app.criteria
            .iter()
            .map(|c| {
                let (mark, t) = if c.holds { ("✓", Tone::Good) } else { ("✗", Tone::Bad) };
                Line::from(vec![
                    Span::styled(format!("{mark} {} ", c.id), tone(theme, t)),
                    Span::raw(c.evidence.clone()),
                ])
            })
            .collect()
    };
    frame.render_widget(
        Paragraph::new(crits)
            .wrap(Wrap { trim: true })
            .block(Block::default().borders(Borders::ALL).title(" Criteria ")),
        crit_area,
    );

    let page = out_area.height.saturating_sub(2) as usize;
    app.page.set(page);
    let top = app.top();
    let lines: Vec<Line> = app.output[top..(top + page).min(app.output.len())]
        .iter()
        .map(|(o, l)| match o {
            Origin::Command => Line::styled(l.clone(), bold()),
            Origin::Stderr => Line::styled(l.clone(), tone(theme, Tone::Warn)),
            Origin::Stdout => Line::raw(l.clone()),
        })
        .collect();
    let title = match (app.scroll.is_some(), app.output.len()) {
        (_, 0) => " Output ".to_string(),
        (true, n) => format!(" Output {}-{} of {n} (G: newest) ", top + 1, (top + page).min(n)),
        (false, n) => format!(" Output ({n} lines) "),
    };
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title)),
        out_area,
    );
    frame.render_widget(Paragraph::new(status_line(app, theme)), status);
    frame.render_widget(Paragraph::new(key_bar(app)).style(bar), keys);

    match app.mode {
        Mode::ConfirmCancel => {
            let text = format!(
                "Cancel job {}? Its work so far is kept.  y: cancel   n: go on",
                short_id(&app.job_id)
            );
            let w = (text.chars().count() as u16 + 4).min(area.width);
            let r = centered(area, w, 3);
            frame.render_widget(Clear, r);
            frame.render_widget(
                Paragraph::new(text).block(Block::default().borders(Borders::ALL).title(" Cancel ")),
                r,
            );
        }
        Mode::Help => draw_help(frame, area),
        Mode::Watch | Mode::Result => {}
    }
}

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h)
}

fn draw_help(frame: &mut Frame, area: Rect) {
    let mut lines: Vec<Line> = WATCH_KEYS
        .iter()
        .map(|(k, what)| Line::from(vec![Span::styled(format!("{k:<12}"), bold()), Span::raw(*what)]))
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::raw("any key closes this list"));
    let r = centered(area, 60, lines.len() as u16 + 2);
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" Keys ")),
        r,
    );
}

/// The result's lines: summary, diffstat, criteria with evidence, where it is, the diff.
pub fn result_lines(app: &WatchApp, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let Some(outcome) = &app.outcome else { return lines };
    let h = |t: &str| Line::styled(t.to_string(), heading(theme));
    let Some(res) = &outcome.result else {
        lines.push(Line::raw(format!(
            "job {} is {} and left no result{}",
            short_id(&app.job_id),
            app.status.map_or("over", Status::as_str),
            app.error.as_ref().map_or_else(String::new, |e| format!(": {e}"))
        )));
        return lines;
    };
    if !res.summary.trim().is_empty() {
        lines.extend(res.summary.trim().lines().map(|l| Line::raw(l.to_string())));
        lines.push(Line::raw(""));
    }
    lines.push(h("Files"));
    let width = res.files.iter().map(|f| f.path.chars().count()).max().unwrap_or(0);
    for f in &res.files {
        lines.push(Line::from(vec![
            Span::raw(format!(" {:<width$} | ", f.path)),
            Span::styled(format!("+{}", f.added), tone(theme, Tone::Good)),
            Span::raw(" "),
            Span::styled(format!("-{}", f.removed), tone(theme, Tone::Bad)),
        ]));
    }
    lines.push(Line::raw(format!(
        " {} files changed, {} insertions(+), {} deletions(-)",
        res.files_changed, res.lines_added, res.lines_removed
    )));
    if !res.criteria.is_empty() {
        lines.push(Line::raw(""));
        lines.push(h("Criteria"));
        for c in &res.criteria {
            let (mark, t) = if c.holds { ("holds  ", Tone::Good) } else { ("NO     ", Tone::Bad) };
            lines.push(Line::from(vec![
                Span::styled(format!(" {:<5}", c.id), bold()),
                Span::styled(mark, tone(theme, t)),
                Span::raw(c.description.clone()),
            ]));
            if !c.evidence.is_empty() {
                lines.push(Line::styled(format!("        {}", c.evidence), tone(theme, Tone::Dim)));
            }
        }
    }
    lines.push(Line::raw(""));
    if let Some(stop) = &res.stop {
        lines.push(Line::styled(format!("stopped: {stop}"), tone(theme, Tone::Bad)));
    }
    if let Some(b) = &res.branch {
        lines.push(Line::raw(format!("branch {b}")));
    }
    match (&res.pr_url, &res.pr_skipped) {
        (Some(url), _) => lines.push(Line::raw(format!("pull request {url}"))),
        (None, Some(skipped)) => {
            let (reason, how) = crate::output::jobs::pr_skipped_words(&app.job_id, skipped);
            lines.push(Line::styled(format!("no pull request ({reason}): {how}"), tone(theme, Tone::Dim)))
        }
        _ => {}
    }
    if let Some(patch) = outcome.patch.as_deref().filter(|p| !p.is_empty()) {
        lines.push(Line::raw(""));
        lines.push(h("Diff"));
        for l in patch.lines() {
            let style = if l.starts_with("+++") || l.starts_with("---") || l.starts_with("diff ") {
                bold()
            } else if l.starts_with('+') {
                tone(theme, Tone::Good)
            } else if l.starts_with('-') {
                tone(theme, Tone::Bad)
            } else if l.starts_with("@@") {
                pick(theme, Style::default().fg(Color::Cyan), Style::default())
            } else {
                Style::default()
            };
            lines.push(Line::styled(l.to_string(), style));
        }
    }
    lines
}

fn draw_result(frame: &mut Frame, app: &WatchApp, theme: &Theme, area: Rect) {
    let lines = result_lines(app, theme);
    let page = area.height as usize;
    app.page.set(page);
    let top = app.result_scroll.min(lines.len().saturating_sub(page));
    frame.render_widget(Paragraph::new(lines).scroll((top as u16, 0)), area);
}
