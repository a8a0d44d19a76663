//! The terminal while a screen owns it: raw mode, the alternate screen and bracketed paste,
//! all undone when the [`Screen`] is dropped and by a panic hook; keys read on a thread of
//! their own, so the screen answers them while the model works; log lines sent to a file
//! under `VIBE_HOME` instead of the screen.

use std::fs::File;
use std::io::{self, Stdout, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::terminal::{disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use tokio::sync::mpsc;

/// Whether a screen owns the terminal now.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Where log lines go while a screen is up.
static LOG_FILE: Mutex<Option<File>> = Mutex::new(None);
static HOOK: Once = Once::new();

/// Where `tracing` writes: standard error, or the log file while a screen is up.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogWriter;

/// Makes a [`LogWriter`] (what the logging set-up asks for each line).
pub fn log_writer() -> LogWriter {
    LogWriter
}

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut file = LOG_FILE.lock().unwrap_or_else(|p| p.into_inner());
        match file.as_mut() {
            Some(f) => f.write(buf),
            None => io::stderr().write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut file = LOG_FILE.lock().unwrap_or_else(|p| p.into_inner());
        match file.as_mut() {
            Some(f) => f.flush(),
            None => io::stderr().flush(),
        }
    }
}

/// Puts the terminal back as it was (when a screen had it).
fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        let _ = crossterm::execute!(
            io::stdout(),
            DisableBracketedPaste,
            crossterm::event::DisableMouseCapture,
            LeaveAlternateScreen,
            crossterm::cursor::Show
        );
    }
    *LOG_FILE.lock().unwrap_or_else(|p| p.into_inner()) = None;
}

/// The real terminal as screens draw on it.
pub type Real = Terminal<CrosstermBackend<Stdout>>;

/// The terminal, owned by a screen until dropped.
pub struct Screen {
    stop: Arc<AtomicBool>,
    paused: Arc<AtomicBool>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Screen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Screen")
    }
}

impl Screen {
    /// Takes the terminal: log lines go to `log` from now on, and the terminal's events
    /// (keys, pastes, resizes) arrive on the returned channel.
    pub fn open(log: &Path) -> io::Result<(Screen, Real, mpsc::UnboundedReceiver<crossterm::event::Event>)> {
        if let Some(dir) = log.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = std::fs::OpenOptions::new().create(true).append(true).open(log)?;
        *LOG_FILE.lock().unwrap_or_else(|p| p.into_inner()) = Some(file);
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                restore();
                previous(info);
            }));
        });
        ACTIVE.store(true, Ordering::SeqCst);
        let taken = enable_raw_mode()
            .and_then(|()| crossterm::execute!(io::stdout(), EnterAlternateScreen, EnableBracketedPaste));
        if let Err(e) = taken {
            restore();
            return Err(e);
        }
        let terminal = match Terminal::new(CrosstermBackend::new(io::stdout())) {
            Ok(t) => t,
            Err(e) => {
                restore();
                return Err(e);
            }
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let stop = Arc::new(AtomicBool::new(false));
        let paused = Arc::new(AtomicBool::new(false));
        let halt = Arc::clone(&stop);
        let hold = Arc::clone(&paused);
        // Polls with a timeout so the thread ends soon after the screen closes, leaving the
        // terminal's input to whoever reads it next.
        let reader = std::thread::spawn(move || {
            while !halt.load(Ordering::SeqCst) {
                if hold.load(Ordering::SeqCst) {
                    std::thread::sleep(POLL);
                    continue;
                }
                match crossterm::event::poll(POLL) {
                    Ok(true) => match crossterm::event::read() {
                        Ok(ev) => {
                            if tx.send(ev).is_err() {
                                break;
                            }
                        }
                        Err(_) => break,
                    },
                    Ok(false) => {}
                    Err(_) => break,
                }
            }
        });
        Ok((Screen { stop, paused, reader: Some(reader) }, terminal, rx))
    }

    /// Hands the terminal to `command` editing `file`, which holds `text` first; returns the
    /// text as saved. The file stays, so an edit is never lost.
    pub fn edit(&self, command: &str, file: &Path, text: &str) -> Result<String, String> {
        let cannot = |e: io::Error| format!("cannot open {} in the editor: {e}", file.display());
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).map_err(cannot)?;
        }
        std::fs::write(file, text).map_err(cannot)?;
        // The key reader lets go of the terminal before the editor reads it.
        self.paused.store(true, Ordering::SeqCst);
        std::thread::sleep(POLL * 2);
        let _ = disable_raw_mode();
        let _ = crossterm::execute!(
            io::stdout(),
            DisableBracketedPaste,
            LeaveAlternateScreen,
            crossterm::cursor::Show
        );
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{command} \"$1\""))
            .arg("sh")
            .arg(file)
            .status();
        let _ = enable_raw_mode();
        let _ = crossterm::execute!(io::stdout(), EnterAlternateScreen, EnableBracketedPaste);
        self.paused.store(false, Ordering::SeqCst);
        match status {
            Ok(s) if s.success() => std::fs::read_to_string(file).map_err(cannot),
            Ok(s) => {
                Err(format!("the editor `{command}` ended with {s}; your text is kept in {}", file.display()))
            }
            Err(e) => Err(format!("cannot start the editor `{command}`: {e}; set VISUAL or EDITOR")),
        }
    }
}

/// How long the key reader waits for a key before looking whether to stop or pause.
const POLL: Duration = Duration::from_millis(50);

impl Drop for Screen {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        restore();
    }
}
