//! The home screen (`vibe` alone on a terminal): the recent plans, jobs and pull requests of
//! the local history, one section each. Enter opens a plan's review (and from there its run),
//! a job's watch, or a pull request in the browser. State, keys and drawing only: the history
//! is read elsewhere and handed in with [`HomeApp::loaded`].

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, List, ListItem, ListState, Paragraph};
use ratatui::Frame;

use super::Theme;

/// A plan of the history: the newest version of each.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRow {
    /// Full id.
    pub id: String,
    /// draft, approved, rejected.
    pub status: String,
    /// What the plan does.
    pub summary: String,
    /// How many steps it has.
    pub steps: i64,
    /// When it was written (as stored).
    pub created_at: String,
}

/// A job of the history.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    /// Full id.
    pub id: String,
    /// queued, running, done, failed, …
    pub status: String,
    /// What its plan does, when known.
    pub summary: Option<String>,
    /// Files it changed.
    pub files_changed: i64,
    /// When it was made (as stored).
    pub created_at: String,
}

/// A pull request of the history.
#[derive(Debug, Clone, PartialEq)]
pub struct PrRow {
    /// `owner/name`.
    pub repo: String,
    /// Its number.
    pub number: i64,
    /// Its title, when known.
    pub title: Option<String>,
    /// open, closed, merged.
    pub state: String,
    /// Where it is on the web.
    pub url: String,
    /// When it was opened (as stored).
    pub created_at: String,
}

/// What the history holds, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// Plans.
    pub plans: Vec<PlanRow>,
    /// Jobs.
    pub jobs: Vec<JobRow>,
    /// Pull requests.
    pub prs: Vec<PrRow>,
}

/// A section of the home screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Recent plans.
    Plans,
    /// Recent jobs.
    Jobs,
    /// Recent pull requests.
    Prs,
}

const SECTIONS: [Section; 3] = [Section::Plans, Section::Jobs, Section::Prs];

/// What the caller does after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HomeAction {
    /// Nothing beyond drawing again.
    None,
    /// Leave.
    Quit,
    /// Read the history again.
    Reload,
    /// Open the review of this plan (full id); approving it runs it.
    Review(String),
    /// Open the watch of this job (full id).
    Watch(String),
    /// Open this web address (checked to be `https://` or `http://`) in the browser.
    Browse(String),
}

/// The home screen.
#[derive(Debug, Clone)]
pub struct HomeApp {
    /// The history, once read.
    pub history: Option<History>,
    /// The section in front.
    pub section: Section,
    /// The selected row of each section.
    pub selected: [usize; 3],
    /// The last message, and whether it reports a failure.
    pub status: Option<(bool, String)>,
    /// Whether the key list is open.
    pub help: bool,
}

impl Default for HomeApp {
    fn default() -> Self {
        Self::new()
    }
}

/// `url` when it is a web address the browser may be handed: `https://` or `http://`, with
/// no spaces or control characters.
pub fn web_address(url: &str) -> Option<&str> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let web = lower.starts_with("https://") || lower.starts_with("http://");
    let clean = !url.chars().any(|c| c.is_whitespace() || c.is_control());
    (web && clean && url.len() > 8).then_some(url)
}

impl HomeApp {
    /// A home screen waiting for the history.
    pub fn new() -> Self {
        Self { history: None, section: Section::Plans, selected: [0; 3], status: None, help: false }
    }

    /// Takes in the history as read (or why it could not be read).
    pub fn loaded(&mut self, history: Result<History, String>) {
        match history {
            Ok(h) => {
                self.history = Some(h);
                for s in SECTIONS {
                    let i = index(s);
                    self.selected[i] = self.selected[i].min(self.len(s).saturating_sub(1));
                }
            }
            Err(e) => {
                self.history.get_or_insert_with(History::default);
                self.status = Some((true, format!("cannot read the history: {e}")));
            }
        }
    }

    /// Whether a listed job is still under way (the list is then read again now and then).
    pub fn has_live_jobs(&self) -> bool {
        self.history.as_ref().is_some_and(|h| {
            h.jobs.iter().any(|j| crate::jobs::Status::parse(&j.status).is_some_and(|s| !s.is_final()))
        })
    }

    /// Shows a message on the status line.
    pub fn say(&mut self, error: bool, text: impl Into<String>) {
        self.status = Some((error, text.into()));
    }

    fn len(&self, s: Section) -> usize {
        let Some(h) = &self.history else { return 0 };
        match s {
            Section::Plans => h.plans.len(),
            Section::Jobs => h.jobs.len(),
            Section::Prs => h.prs.len(),
        }
    }

    /// The selected row of the section in front.
    pub fn selection(&self) -> usize {
        self.selected[index(self.section)].min(self.len(self.section).saturating_sub(1))
    }

    fn select_by(&mut self, by: isize) {
        let last = self.len(self.section).saturating_sub(1);
        let to = self.selection().saturating_add_signed(by).min(last);
        self.selected[index(self.section)] = to;
    }

    fn switch(&mut self, by: usize) {
        self.section = SECTIONS[(index(self.section) + by) % SECTIONS.len()];
    }

    /// Answers a key.
    pub fn handle_key(&mut self, key: KeyEvent) -> HomeAction {
        if key.kind == KeyEventKind::Release {
            return HomeAction::None;
        }
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            return HomeAction::Quit;
        }
        if self.help {
            self.help = false;
            return HomeAction::None;
        }
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => return HomeAction::Quit,
            KeyCode::Char('?') => self.help = true,
            KeyCode::Tab | KeyCode::Right | KeyCode::Char('l') => self.switch(1),
            KeyCode::BackTab | KeyCode::Left | KeyCode::Char('h') => self.switch(2),
            KeyCode::Char('1') => self.section = Section::Plans,
            KeyCode::Char('2') => self.section = Section::Jobs,
            KeyCode::Char('3') => self.section = Section::Prs,
            KeyCode::Down | KeyCode::Char('j') => self.select_by(1),
            KeyCode::Up | KeyCode::Char('k') => self.select_by(-1),
            KeyCode::PageDown => self.select_by(10),
            KeyCode::PageUp => self.select_by(-10),
            KeyCode::Home | KeyCode::Char('g') => self.selected[index(self.section)] = 0,
            KeyCode::End | KeyCode::Char('G') => self.select_by(isize::MAX),
            KeyCode::Char('r') | KeyCode::F(5) => {
                self.say(false, READING);
                return HomeAction::Reload;
            }
            KeyCode::Enter | KeyCode::Char('o') => return self.open(),
            _ => {}
        }
        HomeAction::None
    }

    /// Answers the mouse: the wheel moves the selection.
    pub fn handle_mouse(&mut self, m: MouseEvent) {
        match m.kind {
            MouseEventKind::ScrollDown => self.select_by(1),
            MouseEventKind::ScrollUp => self.select_by(-1),
            _ => {}
        }
    }

    fn open(&mut self) -> HomeAction {
        let sel = self.selection();
        let Some(h) = &self.history else { return HomeAction::None };
        let action = match self.section {
            Section::Plans => h.plans.get(sel).map(|p| HomeAction::Review(p.id.clone())),
            Section::Jobs => h.jobs.get(sel).map(|j| HomeAction::Watch(j.id.clone())),
            Section::Prs => match h.prs.get(sel) {
                Some(pr) => match web_address(&pr.url) {
                    Some(url) => Some(HomeAction::Browse(url.to_string())),
                    None => {
                        let text = format!("#{} has no web address to open", pr.number);
                        self.say(true, text);
                        return HomeAction::None;
                    }
                },
                None => None,
            },
        };
        action.unwrap_or_else(|| {
            self.say(false, "nothing to open here yet");
            HomeAction::None
        })
    }

    /// Draws the screen.
    pub fn render(&self, frame: &mut Frame, theme: &Theme) {
        draw(frame, self, theme);
    }
}

fn index(s: Section) -> usize {
    match s {
        Section::Plans => 0,
        Section::Jobs => 1,
        Section::Prs => 2,
    }
}

/// The status line while the history is read again.
pub const READING: &str = "reading the history…";

/// Every key of the home screen, for the `?` list.
pub const HOME_KEYS: &[(&str, &str)] = &[
    ("Enter / o", "review a plan (approve runs it), watch a job, open a PR"),
    ("Tab 1 2 3", "Plans, Jobs, Pull requests"),
    ("← → h l", "previous / next section"),
    ("↑↓ j k", "select (the mouse wheel too)"),
    ("g G", "first / last"),
    ("r / F5", "read the history again"),
    ("? ", "this list"),
    ("q / Esc", "leave"),
];

/// `2026-12-06T01:42:40.123Z` as `2026-12-06 01:42`.
fn when(ts: &str) -> String {
    ts.get(..16).unwrap_or(ts).replace('T', " ")
}

fn short(id: &str) -> &str {
    crate::output::short_id(id)
}

fn bold() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

fn dim(theme: &Theme) -> Style {
    if theme.color {
        Style::default().add_modifier(Modifier::DIM)
    } else {
        Style::default()
    }
}

fn status_style(theme: &Theme, status: &str) -> Style {
    use ratatui::style::Color;
    if !theme.color {
        return Style::default();
    }
    match status {
        "done" | "approved" | "merged" | "open" => Style::default().fg(Color::Green),
        "failed" | "rejected" | "interrupted" => Style::default().fg(Color::Red),
        "cancelled" | "closed" => Style::default().fg(Color::Yellow),
        "draft" | "queued" => Style::default(),
        _ => Style::default().fg(Color::Cyan),
    }
}

fn row(theme: &Theme, parts: [String; 3], status: &str, text: String) -> ListItem<'static> {
    let [id, at, tail] = parts;
    ListItem::new(Line::from(vec![
        Span::raw(format!(" {id:<8} ")),
        Span::styled(format!("{status:<10} "), status_style(theme, status)),
        Span::styled(format!("{at} "), dim(theme)),
        Span::raw(text),
        Span::styled(tail, dim(theme)),
    ]))
}

fn items(app: &HomeApp, theme: &Theme) -> Vec<ListItem<'static>> {
    let Some(h) = &app.history else { return Vec::new() };
    match app.section {
        Section::Plans => h
            .plans
            .iter()
            .map(|p| {
                let tail = format!(" ({} step{})", p.steps, if p.steps == 1 { "" } else { "s" });
                row(
                    theme,
                    [short(&p.id).to_string(), when(&p.created_at), tail],
                    &p.status,
                    p.summary.clone(),
                )
            })
            .collect(),
        Section::Jobs => h
            .jobs
            .iter()
            .map(|j| {
                let tail = match j.files_changed {
                    0 => String::new(),
                    1 => " (1 file)".to_string(),
                    n => format!(" ({n} files)"),
                };
                let text = j.summary.clone().unwrap_or_else(|| "(no plan recorded)".into());
                row(theme, [short(&j.id).to_string(), when(&j.created_at), tail], &j.status, text)
            })
            .collect(),
        Section::Prs => h
            .prs
            .iter()
            .map(|p| {
                let text = p.title.clone().unwrap_or_default();
                let tail = format!(" · {}", p.repo);
                row(theme, [format!("#{}", p.number), when(&p.created_at), tail], &p.state, text)
            })
            .collect(),
    }
}

fn draw(frame: &mut Frame, app: &HomeApp, theme: &Theme) {
    let [head, tabs, main, status, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    frame.render_widget(
        Paragraph::new(" vibe · recent plans, jobs and pull requests")
            .style(Style::default().add_modifier(Modifier::REVERSED)),
        head,
    );
    let mut spans = Vec::new();
    for (s, name) in
        [(Section::Plans, "1 Plans"), (Section::Jobs, "2 Jobs"), (Section::Prs, "3 Pull requests")]
    {
        let n = app.history.as_ref().map(|_| format!(" ({})", app.len(s))).unwrap_or_default();
        let style = if app.section == s {
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            dim(theme)
        };
        spans.push(Span::styled(format!(" {name}{n} "), style));
        spans.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), tabs);

    let list = items(app, theme);
    if app.history.is_none() {
        frame.render_widget(Paragraph::new(" reading the history…"), main);
    } else if list.is_empty() {
        let what = match app.section {
            Section::Plans => "No plans yet. Write one with `vibe plan \"…\"`.",
            Section::Jobs => "No jobs yet. Run a plan with `vibe run \"…\"`.",
            Section::Prs => "No pull requests yet. A job that passes opens one.",
        };
        frame.render_widget(Paragraph::new(format!(" {what}")), main);
    } else {
        let mut state = ListState::default().with_selected(Some(app.selection()));
        frame.render_stateful_widget(
            List::new(list).highlight_style(Style::default().add_modifier(Modifier::REVERSED)),
            main,
            &mut state,
        );
    }
    let line = match &app.status {
        Some((true, t)) if theme.color => {
            Line::from(Span::styled(t.clone(), Style::default().fg(ratatui::style::Color::Red)))
        }
        Some((true, t)) => Line::from(Span::styled(t.clone(), bold())),
        Some((false, t)) => Line::from(t.clone()),
        None => Line::from(""),
    };
    frame.render_widget(Paragraph::new(line), status);
    let bar = match app.section {
        Section::Plans => "Enter review · Tab next section · r reload · ? all keys · q quit",
        Section::Jobs => "Enter watch · Tab next section · r reload · ? all keys · q quit",
        Section::Prs => "Enter open in the browser · Tab next section · r reload · ? all keys · q quit",
    };
    frame.render_widget(Paragraph::new(bar).style(dim(theme)), keys);
    if app.help {
        draw_help(frame, theme);
    }
}

fn draw_help(frame: &mut Frame, theme: &Theme) {
    let area = frame.area();
    let w = 78.min(area.width);
    let h = (HOME_KEYS.len() as u16 + 3).min(area.height);
    let area =
        Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    frame.render_widget(Clear, area);
    let mut lines: Vec<Line> = HOME_KEYS
        .iter()
        .map(|(k, what)| Line::from(vec![Span::styled(format!(" {k:<10} "), bold()), Span::raw(*what)]))
        .collect();
    lines.push(Line::from(" any key closes this list").style(dim(theme)));
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" Keys ").border_style(bold())),
        area,
    );
}
