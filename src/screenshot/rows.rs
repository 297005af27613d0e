//! Values split over a row of UI boxes: a card number in four inputs, an SSN in three, a
//! one-time code in six. Each box holds too little to match; side by side they are one value.
//!
//! Short, whitespace-free node texts that sit on one row (vertically overlapping, close
//! horizontally, left to right) are joined in runs of 2 to 8, with nothing, a dash or a space
//! between, and checked with the rules; four to eight single-character input boxes with a digit
//! are a one-time code. This only finds what the joined text holds; it must never drop a node
//! from the frame, only mark nodes whose text (and pixels) must go.

use crate::capture::Rect;
use crate::detect::{Entity, Finding};

/// A node offered to the join: its index among the frame's nodes, text, box and role.
pub struct Cell<'a> {
    pub index: usize,
    pub text: &'a str,
    pub bounds: Rect,
    pub role: Option<&'a str>,
}

/// Nodes that together hold one value.
#[derive(Debug, Clone, PartialEq)]
pub struct Joined {
    pub nodes: Vec<usize>,
    pub entity: Entity,
    pub detector: &'static str,
}

fn short(t: &str) -> bool {
    let n = t.chars().count();
    (1..=8).contains(&n) && !t.chars().any(char::is_whitespace)
}

fn input_role(role: Option<&str>) -> bool {
    role.is_some_and(|r| {
        let r = r.to_ascii_lowercase();
        ["textbox", "edit", "textfield", "entry", "input", "spinbutton", "searchbox", "combobox", "textarea"].iter().any(|k| r.contains(k))
    })
}

/// Rows of short cells, each left to right.
fn rows<'a>(cells: &'a [Cell<'a>]) -> Vec<Vec<&'a Cell<'a>>> {
    let mut cs: Vec<&Cell> = cells.iter().filter(|c| short(c.text) && c.bounds.h() > 0).collect();
    cs.sort_by_key(|c| (c.bounds.y() + c.bounds.h() / 2, c.bounds.x()));
    let mut rows: Vec<Vec<&Cell>> = Vec::new();
    for c in cs {
        let fits = |r: &Vec<&Cell>| {
            let a = r[0].bounds;
            let overlap = (a.y() + a.h()).min(c.bounds.y() + c.bounds.h()) - a.y().max(c.bounds.y());
            overlap * 2 >= a.h().min(c.bounds.h())
        };
        match rows.iter_mut().find(|r| fits(r)) {
            Some(r) => r.push(c),
            None => rows.push(vec![c]),
        }
    }
    for r in &mut rows {
        r.sort_by_key(|c| c.bounds.x());
    }
    rows
}

/// Runs of cells close enough to be one field group (gap under three heights).
fn runs<'a>(row: &[&'a Cell<'a>]) -> Vec<Vec<&'a Cell<'a>>> {
    let mut out: Vec<Vec<&Cell>> = Vec::new();
    for c in row {
        match out.last_mut() {
            Some(run) if {
                let p = run.last().expect("runs are never empty").bounds;
                c.bounds.x() - (p.x() + p.w()) <= 3 * p.h().max(c.bounds.h())
            } => run.push(c),
            _ => out.push(vec![c]),
        }
    }
    out.retain(|r| r.len() >= 2);
    out
}

/// Joins of cells that hold one value together, found by `rules`.
pub fn join(cells: &[Cell], rules: &dyn Fn(&str) -> Vec<Finding>) -> Vec<Joined> {
    let mut out: Vec<Joined> = Vec::new();
    for row in rows(cells) {
        for run in runs(&row) {
            // One-time codes: 4-8 single-character input boxes, a digit among them.
            let singles = run.iter().all(|c| c.text.chars().count() == 1) && run.iter().all(|c| input_role(c.role));
            if singles && (4..=8).contains(&run.len()) && run.iter().any(|c| c.text.chars().any(|x| x.is_ascii_digit())) {
                out.push(Joined { nodes: run.iter().map(|c| c.index).collect(), entity: Entity::Secret, detector: "one_time_code" });
            }
            for len in 2..=run.len().min(8) {
                for w in run.windows(len) {
                    for sep in ["", "-", " "] {
                        let mut text = String::new();
                        let mut starts = Vec::new();
                        for (k, c) in w.iter().enumerate() {
                            if k > 0 {
                                text.push_str(sep);
                            }
                            starts.push(text.len());
                            text.push_str(c.text);
                        }
                        for f in rules(&text) {
                            // The cells the finding touches (it must span more than one: a
                            // single cell's own text was checked already).
                            let touched: Vec<usize> = w
                                .iter()
                                .zip(&starts)
                                .filter(|(c, &s)| f.start < s + c.text.len() && s < f.end)
                                .map(|(c, _)| c.index)
                                .collect();
                            if touched.len() > 1 && !out.iter().any(|j| j.nodes == touched) {
                                out.push(Joined { nodes: touched, entity: f.entity, detector: f.detector });
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::testutil::set;
    use crate::detect::{resolve, Detector};

    fn rules(t: &str) -> Vec<Finding> {
        let mut v = Vec::new();
        set().detect(t, &mut v);
        resolve(v)
    }

    fn cell(index: usize, text: &str, x: i64, y: i64) -> Cell<'_> {
        Cell { index, text, bounds: Rect([x, y, 60, 24]), role: Some("textbox") }
    }

    #[test]
    fn a_card_in_four_boxes_and_a_code_in_six() {
        let card = [cell(0, "4111", 10, 100), cell(1, "1111", 80, 100), cell(2, "1111", 150, 101), cell(3, "1111", 220, 99)];
        let j = join(&card, &rules);
        assert!(j.iter().any(|j| j.entity == Entity::CreditCard && j.nodes == vec![0, 1, 2, 3]), "{j:?}");
        let ssn = [cell(0, "536", 10, 10), cell(1, "22", 80, 10), cell(2, "1234", 150, 10)];
        assert!(join(&ssn, &rules).iter().any(|j| j.entity == Entity::UsSsn));
        let code: Vec<Cell> = "482913".chars().enumerate().map(|(i, _)| cell(i, &"482913"[i..i + 1], 10 + 40 * i as i64, 300)).collect();
        assert!(join(&code, &rules).iter().any(|j| j.detector == "one_time_code" && j.nodes.len() == 6));
    }

    #[test]
    fn unrelated_cells_stay() {
        // A calendar row of day numbers (not inputs), and boxes on different rows.
        let days: Vec<String> = (1..=7).map(|d| d.to_string()).collect();
        let cal: Vec<Cell> = days.iter().enumerate().map(|(i, d)| Cell { index: i, text: d, bounds: Rect([10 + 40 * i as i64, 10, 30, 30]), role: Some("gridcell") }).collect();
        assert!(join(&cal, &rules).is_empty());
        let apart = [cell(0, "4111", 10, 100), cell(1, "1111", 10, 300)];
        assert!(join(&apart, &rules).is_empty());
    }
}
