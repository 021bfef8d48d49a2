//! Reading the user's name and lines: from standard input as it is, or from any `BufRead` (for
//! tests) with [`Piped`], or through the line editor on a terminal ([`crate::editor`]).

use std::io::{self, BufRead, Write};

/// The question asked when no `--name` was given, as the seed's `input()` asks it.
pub const NAME_PROMPT: &str = "Nombre de usuario: ";

/// Reads one line without its `\n` (or `\r\n`); `None` at end of input.
///
/// Invalid UTF-8 becomes U+FFFD instead of an error: the protocol is UTF-8 (FRAME-1), and a
/// stray byte in a pasted text should not end the session.
///
/// # Errors
///
/// When the input cannot be read.
pub fn read_line(input: &mut impl BufRead) -> io::Result<Option<String>> {
    let mut buf = Vec::new();
    if input.read_until(b'\n', &mut buf)? == 0 {
        return Ok(None);
    }
    let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Ok(Some(String::from_utf8_lossy(line).into_owned()))
}

/// Where the user's lines come from.
pub trait Lines {
    /// Shows `prompt` (none when it is empty) and reads one line without its `\n`; `None` at
    /// the end of input.
    ///
    /// # Errors
    ///
    /// When the input cannot be read or the prompt cannot be written.
    fn read_line(&mut self, prompt: &str) -> io::Result<Option<String>>;
}

/// Lines read from `R` with [`read_line`], prompts written to `W`: the seed's `input()`.
#[derive(Debug)]
pub struct Piped<R, W> {
    input: R,
    output: W,
}

impl<R: BufRead, W: Write> Piped<R, W> {
    /// Reads lines from `input` and writes prompts to `output`.
    pub fn new(input: R, output: W) -> Self {
        Self { input, output }
    }
}

impl<R: BufRead, W: Write> Lines for Piped<R, W> {
    fn read_line(&mut self, prompt: &str) -> io::Result<Option<String>> {
        if prompt.is_empty() {
            return read_line(&mut self.input);
        }
        self.output.write_all(prompt.as_bytes())?;
        self.output.flush()?;
        let line = read_line(&mut self.input)?;
        if line.is_none() {
            // End the prompt's line, so the shell's prompt does not follow it.
            writeln!(self.output)?;
        }
        Ok(line)
    }
}

/// Asks for the user name until a non-blank one is given; returns it trimmed (JOIN-1), or
/// `None` when the input ends first.
///
/// # Errors
///
/// When the input cannot be read or the prompt cannot be written.
pub fn ask_name(lines: &mut impl Lines) -> io::Result<Option<String>> {
    loop {
        match lines.read_line(NAME_PROMPT)? {
            Some(line) if line.trim().is_empty() => {}
            Some(line) => return Ok(Some(line.trim().to_owned())),
            None => return Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_lose_their_terminator_and_invalid_bytes() {
        let mut input: &[u8] = b"hola\r\nchau\n\xffx\nsin fin";
        assert_eq!(read_line(&mut input).unwrap().as_deref(), Some("hola"));
        assert_eq!(read_line(&mut input).unwrap().as_deref(), Some("chau"));
        assert_eq!(read_line(&mut input).unwrap().as_deref(), Some("\u{FFFD}x"));
        assert_eq!(read_line(&mut input).unwrap().as_deref(), Some("sin fin"));
        assert_eq!(read_line(&mut input).unwrap(), None);
    }

    #[test]
    fn the_name_is_asked_again_until_it_is_not_blank() {
        let mut output = Vec::new();
        let name = ask_name(&mut Piped::new(&b"\n   \n  ana \n"[..], &mut output)).unwrap();
        assert_eq!(name.as_deref(), Some("ana"));
        assert_eq!(output, NAME_PROMPT.repeat(3).as_bytes());
    }

    #[test]
    fn no_name_at_end_of_input() {
        let mut output = Vec::new();
        assert_eq!(
            ask_name(&mut Piped::new(&b""[..], &mut output)).unwrap(),
            None
        );
        assert_eq!(output, format!("{NAME_PROMPT}\n").as_bytes());
    }

    #[test]
    fn lines_without_a_prompt_write_nothing() {
        let mut output = Vec::new();
        let mut lines = Piped::new(&b"hola\n"[..], &mut output);
        assert_eq!(lines.read_line("").unwrap().as_deref(), Some("hola"));
        assert_eq!(lines.read_line("").unwrap(), None);
        assert_eq!(output, b"");
    }
}
