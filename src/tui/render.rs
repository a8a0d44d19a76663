//! Draws the plan review screen: a header with the plan's numbers, the review focus, the
//! Plan / CRS / Tests tabs (a list and the selected entry's detail), the status line and
//! the key bar; the step form, a line prompt or the key list on top when open.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState, Paragraph, Wrap};
use ratatui::Frame;

use super::diff::{self, Piece, StepChange};
use super::focus;
use super::input::TextInput;
use super::review::{
    CriterionForm, CrsItem, Mark, Mode, ReviewApp, StepForm, Tab, CRITERION_FIELDS, FORM_FIELDS,
};
use super::Theme;
use crate::plan::Plan;
use crate::store::ReviewKind;

/// Most lines the review focus takes.
const FOCUS_LINES: usize = 4;

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Draws the review.
pub fn draw(frame: &mut Frame, app: &ReviewApp, theme: &Theme) {
    let focus = app.focus();
    let focus_h = focus.len().min(FOCUS_LINES) as u16 + u16::from(!focus.is_empty());
    let status_h = 1 + app.problems.len().min(3) as u16;
    let [head, summary, focus_area, tabs, main, status, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(focus_h),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(status_h),
        Constraint::Length(1),
    ])
    .areas(frame.area());

    frame.render_widget(Paragraph::new(header(app)).style(theme.bar()), head);
    frame.render_widget(Paragraph::new(Span::styled(app.plan().summary.clone(), theme.strong())), summary);
    if !focus.is_empty() {
        let plan = app.plan();
        let mut lines = vec![Line::from(Span::styled("Review focus", theme.heading()))];
        let shown = if focus.len() > FOCUS_LINES { FOCUS_LINES - 1 } else { focus.len() };
        for f in &focus[..shown] {
            lines.push(Line::from(vec![
                Span::styled(" ! ", theme.warn()),
                Span::raw(focus::describe(f, app.crs_shown(), plan)),
            ]));
        }
        if shown < focus.len() {
            lines
                .push(Line::from(format!("   … and {} more on the CRS and Tests tabs", focus.len() - shown)));
        }
        frame.render_widget(Paragraph::new(lines), focus_area);
    }
    frame.render_widget(Paragraph::new(tab_line(app, theme)), tabs);

    let [list_area, detail_area] =
        Layout::horizontal([Constraint::Percentage(38), Constraint::Percentage(62)]).areas(main);
    let items = list_items(app);
    let mut state = ListState::default().with_selected(Some(app.selection()));
    frame.render_stateful_widget(
        List::new(items).highlight_style(theme.selected()).highlight_symbol("›"),
        list_area,
        &mut state,
    );
    frame.render_widget(
        Paragraph::new(detail(app, theme))
            .block(Block::default().borders(Borders::LEFT).border_style(theme.dim()))
            .wrap(Wrap { trim: false })
            .scroll((app.scroll, 0)),
        detail_area,
    );

    let mut lines = vec![match (&app.busy, &app.status) {
        (Some(b), _) => Line::from(Span::styled(b.clone(), theme.warn())),
        (None, Some(s)) if s.error => Line::from(Span::styled(s.text.clone(), theme.error())),
        (None, Some(s)) => Line::from(s.text.clone()),
        (None, None) => Line::from(""),
    }];
    lines.extend(
        app.problems.iter().take(3).map(|p| Line::from(Span::styled(format!("  {p}"), theme.error()))),
    );
    frame.render_widget(Paragraph::new(lines), status);

    match &app.mode {
        Mode::Prompt(purpose, input) => {
            let label = format!("{}: ", purpose.label());
            let room = (keys.width as usize).saturating_sub(label.chars().count() + 1);
            let chars: Vec<char> = input.text().chars().collect();
            let from = input.cursor().saturating_sub(room);
            let shown: String = chars[from..].iter().take(room).collect();
            frame.render_widget(
                Paragraph::new(Line::from(vec![
                    Span::styled(label.clone(), theme.strong()),
                    Span::raw(shown),
                ])),
                keys,
            );
            let x = keys.x + (label.chars().count() + input.cursor() - from) as u16;
            frame.set_cursor_position((x.min(keys.right().saturating_sub(1)), keys.y));
            frame.render_widget(Paragraph::new("Enter send · Esc cancel").style(theme.dim()), status);
        }
        _ => frame.render_widget(Paragraph::new(key_bar(app)).style(theme.dim()), keys),
    }
    match &app.mode {
        Mode::Form(form) => draw_form(frame, form, theme),
        Mode::Criterion(form) => draw_criterion_form(frame, form, theme),
        Mode::Help => draw_help(frame, theme),
        _ => {}
    }
}

fn header(app: &ReviewApp) -> Line<'static> {
    let v = &app.versions[app.shown];
    let plan = app.plan();
    let how = match v.how {
        None => "",
        Some(ReviewKind::Edit) => " edited",
        Some(_) => " revised",
    };
    let mut parts = vec![
        format!("v{}/{}{how}", app.shown + 1, app.versions.len()),
        plural(plan.steps.len(), "step"),
        plan.complexity.as_str().to_string(),
        format!("{:.0}% confident", plan.confidence.clamp(0.0, 1.0) * 100.0),
        format!("~{}", plural(plan.estimated_files_changed as usize, "file")),
    ];
    if let Some(t) = v.tokens {
        parts.push(format!("{} tokens", thousands(t)));
    }
    if let Some(c) = v.cost_usd {
        parts.push(format!("${c:.4}"));
    }
    if app.working.is_some() && app.at_newest() {
        parts.push("edited".into());
    }
    Line::from(format!(" vibe · {}", parts.join(" · ")))
}

fn tab_line(app: &ReviewApp, theme: &Theme) -> Line<'static> {
    let mut spans = Vec::new();
    for (tab, name) in [(Tab::Plan, " 1 Plan "), (Tab::Crs, " 2 CRS "), (Tab::Tests, " 3 Tests ")] {
        let style = if app.tab == tab { theme.tab() } else { theme.dim() };
        spans.push(Span::styled(name, style));
        spans.push(Span::raw(" "));
    }
    Line::from(spans)
}

fn list_items(app: &ReviewApp) -> Vec<ListItem<'static>> {
    let plan = app.plan();
    match app.tab {
        Tab::Plan => {
            let marks = app.marks();
            plan.steps
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let mark = match marks.get(i) {
                        Some(Mark::Changed) => '~',
                        Some(Mark::New) => '+',
                        _ => ' ',
                    };
                    let lock = if app.at_newest() && app.locked.contains(&i) && app.working.is_none() {
                        '#'
                    } else {
                        ' '
                    };
                    ListItem::new(format!("{mark}{lock}{:>2} {}", i + 1, s.title))
                })
                .collect()
        }
        Tab::Crs => app
            .crs_items()
            .into_iter()
            .map(|item| {
                ListItem::new(match item {
                    CrsItem::Summary => " Summary".to_string(),
                    CrsItem::Goals => format!(" Goals ({})", app.crs_shown().goals.len()),
                    CrsItem::NonGoals => format!(" Non-goals ({})", app.crs_shown().non_goals.len()),
                    CrsItem::Constraints => format!(" Constraints ({})", app.crs_shown().constraints.len()),
                    CrsItem::Criterion(i) => {
                        let ac = &app.crs_shown().acceptance_criteria[i];
                        format!(" {} {}", ac.id, ac.description)
                    }
                    CrsItem::Areas => format!(" Affected areas ({})", app.crs_shown().affected_areas.len()),
                    CrsItem::Risks => format!(" Risks ({})", app.crs_shown().risks.len()),
                    CrsItem::Question(i) => {
                        let done = if app.answered().contains(&i) { "answered" } else { "open" };
                        format!(" Q{} {done}: {}", i + 1, app.crs_shown().open_questions[i])
                    }
                })
            })
            .collect(),
        Tab::Tests => plan
            .testing_strategy
            .iter()
            .map(|c| ListItem::new(format!(" {} [{}]", c.command, c.criteria.join(","))))
            .collect(),
    }
}

fn bullets(items: &[String]) -> Vec<Line<'static>> {
    if items.is_empty() {
        return vec![Line::from(" (none)")];
    }
    items.iter().map(|s| Line::from(format!(" • {s}"))).collect()
}

fn notes_for(app: &ReviewApp, target: &str, theme: &Theme) -> Vec<Line<'static>> {
    app.notes
        .iter()
        .filter(|n| n.target == target)
        .map(|n| {
            let word = if n.kind == ReviewKind::Answer { "your answer" } else { "your comment" };
            Line::from(Span::styled(format!(" {word}: {}", n.text), theme.note()))
        })
        .collect()
}

fn checks_for(plan: &Plan, id: &str) -> Vec<Line<'static>> {
    let lines: Vec<_> = plan
        .testing_strategy
        .iter()
        .filter(|c| c.criteria.iter().any(|x| x == id))
        .map(|c| Line::from(format!(" checked by `{}`", c.command)))
        .collect();
    if lines.is_empty() {
        return vec![Line::from(" no check covers it")];
    }
    lines
}

fn detail(app: &ReviewApp, theme: &Theme) -> Text<'static> {
    let plan = app.plan();
    let sel = app.selection();
    let mut lines: Vec<Line<'static>> = Vec::new();
    let head = |s: String| Line::from(Span::styled(format!(" {s}"), theme.heading()));
    match app.tab {
        Tab::Plan => {
            let Some(step) = plan.steps.get(sel) else {
                return Text::from(" The plan has no steps. Press n to add one.");
            };
            lines.push(head(format!("Step {} · {}", sel + 1, step.title)));
            if app.at_newest() && app.locked.contains(&sel) && app.working.is_none() {
                lines.push(Line::from(Span::styled(
                    " locked: a revision keeps it word for word",
                    theme.note(),
                )));
            }
            lines.push(Line::from(format!(" {}", step.intent)));
            lines.push(Line::from(""));
            lines.push(head("Files".into()));
            if step.files.is_empty() {
                lines.push(Line::from(" (none)"));
            }
            for f in &step.files {
                lines.push(Line::from(format!(" {:<7}{}", super::text::op_word(f.action), f.path)));
            }
            lines.push(head("Commands".into()));
            if step.commands.is_empty() {
                lines.push(Line::from(" (none)"));
            }
            for c in &step.commands {
                lines.push(Line::from(format!(" $ {c}")));
            }
            lines.extend(notes_for(app, &format!("S{}", sel + 1), theme));
            if let Some(before) = app.before() {
                if let Some(StepChange::Changed(i)) = diff::steps(before, plan).0.get(sel).copied() {
                    lines.push(Line::from(""));
                    lines.push(head("Changed since the version before".into()));
                    let pieces = diff::words(&diff::step_words(&before.steps[i]), &diff::step_words(step));
                    lines.push(word_diff(&pieces, theme));
                }
            }
        }
        Tab::Crs => {
            let crs = app.crs_shown();
            match app.crs_items().get(sel).copied().unwrap_or(CrsItem::Summary) {
                CrsItem::Summary => {
                    lines.push(head("Summary".into()));
                    lines.push(Line::from(format!(" {}", crs.summary)));
                }
                CrsItem::Goals => {
                    lines.push(head("Goals".into()));
                    lines.extend(bullets(&crs.goals));
                }
                CrsItem::NonGoals => {
                    lines.push(head("Non-goals".into()));
                    lines.extend(bullets(&crs.non_goals));
                }
                CrsItem::Constraints => {
                    lines.push(head("Constraints".into()));
                    lines.extend(bullets(&crs.constraints));
                }
                CrsItem::Criterion(i) => {
                    let ac = &crs.acceptance_criteria[i];
                    lines.push(head(ac.id.clone()));
                    lines.push(Line::from(format!(" {}", ac.description)));
                    lines.push(Line::from(format!(" verified by: {}", ac.verification)));
                    lines.extend(checks_for(plan, &ac.id));
                    lines.extend(notes_for(app, &ac.id, theme));
                }
                CrsItem::Areas => {
                    lines.push(head("Affected areas".into()));
                    lines.extend(bullets(&crs.affected_areas));
                }
                CrsItem::Risks => {
                    lines.push(head("Risks".into()));
                    lines.extend(bullets(&crs.risks));
                }
                CrsItem::Question(i) => {
                    lines.push(head(format!("Open question Q{}", i + 1)));
                    lines.push(Line::from(format!(" {}", crs.open_questions[i])));
                    let answers = notes_for(app, &format!("Q{}", i + 1), theme);
                    if answers.is_empty() {
                        lines.push(Line::from(
                            " Press Enter to answer it; the next revision reads the answer.",
                        ));
                    }
                    lines.extend(answers);
                }
            }
        }
        Tab::Tests => {
            let Some(check) = plan.testing_strategy.get(sel) else {
                return Text::from(" The plan has no checks.");
            };
            lines.push(head("Check".into()));
            lines.push(Line::from(format!(" $ {}", check.command)));
            lines.push(Line::from(format!(" proves: {}", check.proves)));
            lines.push(head("Covers".into()));
            for id in &check.criteria {
                match app.crs_shown().acceptance_criteria.iter().find(|a| &a.id == id) {
                    Some(a) => lines.push(Line::from(format!(" {id} {}", a.description))),
                    None => lines.push(Line::from(Span::styled(
                        format!(" {id} is not an acceptance criterion of the CRS (any more)"),
                        theme.error(),
                    ))),
                }
            }
        }
    }
    Text::from(lines)
}

/// A word-level diff on one line: removed words `[-so-]`, added ones `{+so+}` (coloured too
/// when colour is on).
fn word_diff(pieces: &[Piece], theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    for p in pieces {
        let span = match p {
            Piece::Same(w) => Span::raw(format!("{w} ")),
            Piece::Added(w) => Span::styled(format!("{{+{w}+}} "), theme.added()),
            Piece::Removed(w) => Span::styled(format!("[-{w}-] "), theme.removed()),
        };
        spans.push(span);
    }
    Line::from(spans)
}

fn key_bar(app: &ReviewApp) -> &'static str {
    match app.tab {
        _ if app.working.is_some() => {
            "s submit edits · u drop them · e edit · n add · d delete · J/K move · ? all keys"
        }
        Tab::Plan => "a approve · x reject · r regenerate · e edit · c comment · l lock · ? all keys",
        Tab::Crs => "a approve · n e d criterion · Enter edit/answer · c comment · ? all keys",
        Tab::Tests => "a approve · x reject · r regenerate · [ ] versions · Tab next tab · ? all keys",
    }
}

/// A rectangle of `w`×`h` in the middle of `area`, clipped to it.
fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

/// A form of named one-line fields in a box, the cursor in `field`.
struct FormView<'a> {
    title: String,
    names: &'a [&'a str],
    fields: &'a [TextInput],
    field: usize,
    hints: &'a [&'a str],
    error: Option<&'a str>,
}

fn draw_fields(frame: &mut Frame, form: FormView<'_>, theme: &Theme) {
    let height = form.names.len() + form.hints.len() + 6;
    let area = centered(frame.area(), 76, height as u16);
    frame.render_widget(Clear, area);
    let block = Block::bordered().title(form.title).border_style(theme.strong());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = Vec::new();
    let room = (inner.width as usize).saturating_sub(11);
    for (i, (name, field)) in form.names.iter().zip(form.fields).enumerate() {
        let chars: Vec<char> = field.text().chars().collect();
        let from = if i == form.field { field.cursor().saturating_sub(room) } else { 0 };
        let shown: String = chars[from.min(chars.len())..].iter().take(room).collect();
        let style = if i == form.field { theme.selected() } else { Style::default() };
        lines.push(Line::from(vec![
            Span::styled(format!(" {name:<9} "), theme.strong()),
            Span::styled(shown, style),
        ]));
        if i == form.field {
            let x = inner.x + 11 + (field.cursor() - from) as u16;
            frame.set_cursor_position((x.min(inner.right().saturating_sub(1)), inner.y + i as u16));
        }
    }
    lines.push(Line::from(""));
    for h in form.hints {
        lines.push(Line::from(format!(" {h}")).style(theme.dim()));
    }
    if let Some(e) = form.error {
        lines.push(Line::from(Span::styled(format!(" {e}"), theme.error())));
    }
    lines.push(Line::from(" Tab next field · Enter save · Esc cancel").style(theme.dim()));
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_form(frame: &mut Frame, form: &StepForm, theme: &Theme) {
    let title =
        if form.new { format!(" New step {} ", form.at + 1) } else { format!(" Edit step {} ", form.at + 1) };
    let view = FormView {
        title,
        names: &FORM_FIELDS,
        fields: &form.fields,
        field: form.field,
        hints: &["Files: read|create|modify|delete PATH, separated by commas", "Commands: separated by ;;"],
        error: form.error.as_deref(),
    };
    draw_fields(frame, view, theme);
}

fn draw_criterion_form(frame: &mut Frame, form: &CriterionForm, theme: &Theme) {
    let title = match &form.id {
        Some(id) => format!(" Edit acceptance criterion {id} "),
        None => " New acceptance criterion ".to_string(),
    };
    let view = FormView {
        title,
        names: &CRITERION_FIELDS,
        fields: &form.fields,
        field: form.field,
        hints: &[
            "Condition: what must hold, stated so it can be checked",
            "Verify by: a command, a test or an observation",
            "Saved as a new version; the plan's checks are matched against it",
        ],
        error: form.error.as_deref(),
    };
    draw_fields(frame, view, theme);
}

/// Every key of the review, for the `?` list.
pub const KEYS: &[(&str, &str)] = &[
    ("a", "approve the newest version as shown"),
    ("x", "reject it, with a reason"),
    ("r", "regenerate: tell the model what to change"),
    ("e / Enter", "edit the selected step"),
    ("n", "add a step after the selected one"),
    ("d", "delete the selected step"),
    ("J / K", "move the selected step down / up"),
    ("s / u", "submit your edits as a new version / drop them"),
    ("E", "edit plan and criteria in $VISUAL or $EDITOR"),
    ("c", "comment on the selected step or criterion"),
    ("l", "lock or unlock the selected step"),
    ("o", "answer an open question"),
    ("n e d (CRS)", "add, edit, delete an acceptance criterion"),
    ("[ / ]", "earlier / later version"),
    ("Tab 1 2 3", "Plan, CRS, Tests"),
    ("↑↓ j k", "select; PgUp PgDn scroll the detail"),
    ("q / Esc", "leave without deciding"),
];

fn draw_help(frame: &mut Frame, theme: &Theme) {
    let area = centered(frame.area(), 66, KEYS.len() as u16 + 3);
    frame.render_widget(Clear, area);
    let block = Block::bordered().title(" Keys ").border_style(theme.strong());
    let mut lines: Vec<Line> = KEYS
        .iter()
        .map(|(k, what)| {
            Line::from(vec![Span::styled(format!(" {k:<12} "), theme.strong()), Span::raw(*what)])
        })
        .collect();
    lines.push(Line::from(" any key closes this list").style(theme.dim()));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// Styles with colour, or with bold and reverse only.
impl Theme {
    fn pick(&self, colored: Style, plain: Style) -> Style {
        if self.color {
            colored
        } else {
            plain
        }
    }
    fn bar(&self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }
    fn strong(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }
    fn heading(&self) -> Style {
        use ratatui::style::Color;
        self.pick(Style::default().fg(Color::Cyan).add_modifier(Modifier::BOLD), self.strong())
    }
    fn dim(&self) -> Style {
        self.pick(Style::default().add_modifier(Modifier::DIM), Style::default())
    }
    fn warn(&self) -> Style {
        use ratatui::style::Color;
        self.pick(Style::default().fg(Color::Yellow), Style::default())
    }
    fn error(&self) -> Style {
        use ratatui::style::Color;
        self.pick(Style::default().fg(Color::Red), self.strong())
    }
    fn note(&self) -> Style {
        use ratatui::style::Color;
        self.pick(Style::default().fg(Color::Magenta), Style::default().add_modifier(Modifier::ITALIC))
    }
    fn added(&self) -> Style {
        use ratatui::style::Color;
        self.pick(Style::default().fg(Color::Green), Style::default().add_modifier(Modifier::BOLD))
    }
    fn removed(&self) -> Style {
        use ratatui::style::Color;
        self.pick(Style::default().fg(Color::Red).add_modifier(Modifier::CROSSED_OUT), Style::default())
    }
    fn selected(&self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }
    fn tab(&self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }
}
