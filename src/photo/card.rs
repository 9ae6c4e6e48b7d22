//! Finding the card in the picture: edges (Canny) → contours → convex hull → polygon
//! (Douglas–Peucker) → the largest convex quadrilateral shaped like an ID-1 card.
//!
//! The frame's border is drawn into the edge map, so a card that runs out of the picture still
//! closes a region: its visible part becomes a polygon with vertices on the border, and the
//! card's edges next to those vertices, extended, meet where the missing corner is. That is how
//! the check can say *which* corner is cut off. The convex hull makes the outline robust to glare
//! or a thumb eating into it from the inside.

use image::{GrayImage, Luma};
use imageproc::contours::find_contours;
use imageproc::distance_transform::Norm;
use imageproc::edges::canny;
use imageproc::geometry::{approximate_polygon_dp, arc_length, contour_area, convex_hull};
use imageproc::morphology::dilate_mut;
use imageproc::point::Point;

use super::PhotoConfig;

/// A point in work-copy pixels.
pub(crate) type Pt = (f32, f32);

/// Smallest region worth a look, as a share of the frame; far below any usable card.
const MIN_CANDIDATE_SHARE: f32 = 0.02;
/// A region must fill this much of its convex hull: a card's inside does, texture does not.
const MIN_SOLIDITY: f32 = 0.85;
/// Douglas–Peucker tolerance, as a share of the hull's perimeter; absorbs rounded corners.
const POLYGON_TOLERANCE: f64 = 0.02;

/// A corner of the frame, as the user sees the photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Corner {
    TopLeft,
    TopRight,
    BottomRight,
    BottomLeft,
}

impl Corner {
    fn name(self) -> &'static str {
        match self {
            Self::TopLeft => "top-left",
            Self::TopRight => "top-right",
            Self::BottomRight => "bottom-right",
            Self::BottomLeft => "bottom-left",
        }
    }
}

/// The `$corner` argument of `PHOTO_CUT_OFF`: one corner, a side when both its corners are out,
/// or `several`.
pub(crate) fn cut_name(corners: &[Corner]) -> &'static str {
    use Corner::*;
    match corners {
        [one] => one.name(),
        [TopLeft, TopRight] => "top",
        [TopRight, BottomRight] => "right",
        [BottomRight, BottomLeft] => "bottom",
        [TopLeft, BottomLeft] => "left",
        _ => "several",
    }
}

/// The card as found in the work copy.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Card {
    /// Around the card, clockwise on screen, `corners[0]→corners[1]` a long side. For a card
    /// that is cut off, the smallest rectangle around its visible part.
    pub corners: [Pt; 4],
    /// Frame corners where the card leaves the picture (sorted, no repeats); empty when whole.
    pub cut: Vec<Corner>,
    /// Visible card area / frame area.
    pub area_share: f32,
}

impl Card {
    /// Mean length of the two long sides, in work pixels.
    pub fn long_side(&self) -> f32 {
        let [a, b, c, d] = self.corners;
        (distance(a, b) + distance(d, c)) / 2.0
    }

    /// Mean angle of the long sides against the nearest frame axis, in degrees (0–45).
    pub fn tilt_degrees(&self) -> f32 {
        let [a, b, c, d] = self.corners;
        let signed = |from: Pt, to: Pt| {
            let degrees = (to.1 - from.1).atan2(to.0 - from.0).to_degrees();
            let folded = degrees.rem_euclid(90.0);
            if folded > 45.0 { folded - 90.0 } else { folded }
        };
        ((signed(a, b) + signed(d, c)) / 2.0).abs()
    }
}

struct Frame {
    width: f32,
    height: f32,
    margin: f32,
}

impl Frame {
    fn touches(&self, (x, y): Pt) -> bool {
        x <= self.margin
            || y <= self.margin
            || x >= self.width - 1.0 - self.margin
            || y >= self.height - 1.0 - self.margin
    }
}

/// The card in `grey` (the work copy), or `None`. A whole card is preferred to a cut-off one:
/// large cut-off candidates can also be background regions closed by the frame's border.
pub(crate) fn find_card(grey: &GrayImage, config: &PhotoConfig) -> Option<Card> {
    let (width, height) = grey.dimensions();
    if width < 16 || height < 16 {
        return None;
    }
    let low = config.canny_low.max(1.0);
    let mut edges = canny(grey, low, config.canny_high.max(low));
    // Closes one-pixel gaps in the outline (a glint on the edge, JPEG blocks).
    dilate_mut(&mut edges, Norm::LInf, 1);
    for x in 0..width {
        edges.put_pixel(x, 0, Luma([255]));
        edges.put_pixel(x, height - 1, Luma([255]));
    }
    for y in 0..height {
        edges.put_pixel(0, y, Luma([255]));
        edges.put_pixel(width - 1, y, Luma([255]));
    }
    let frame = Frame {
        width: width as f32,
        height: height as f32,
        margin: (config.border_margin * width.min(height) as f32).max(2.0),
    };
    let min_points = (width.min(height) / 2) as usize;
    let mut whole: Option<(f32, Card)> = None;
    let mut cut: Option<(f32, Card)> = None;
    for contour in find_contours::<i32>(&edges) {
        if contour.points.len() < min_points {
            continue;
        }
        let Some((area, card)) = candidate(&contour.points, &frame, config) else {
            continue;
        };
        let best = if card.cut.is_empty() {
            &mut whole
        } else {
            &mut cut
        };
        if best.as_ref().is_none_or(|(top, _)| area > *top) {
            *best = Some((area, card));
        }
    }
    whole.or(cut).map(|(_, card)| card)
}

fn candidate(points: &[Point<i32>], frame: &Frame, config: &PhotoConfig) -> Option<(f32, Card)> {
    let hull = convex_hull(points.to_vec());
    if hull.len() < 3 {
        return None;
    }
    let hull_area = contour_area(&hull) as f32;
    let frame_area = frame.width * frame.height;
    if hull_area < MIN_CANDIDATE_SHARE * frame_area {
        return None;
    }
    if (contour_area(points) as f32) < MIN_SOLIDITY * hull_area {
        return None;
    }
    let polygon = polygon(&hull);
    if !(3..=8).contains(&polygon.len()) {
        return None;
    }
    let on_border: Vec<bool> = polygon.iter().map(|p| frame.touches(*p)).collect();
    if on_border.iter().all(|b| *b) {
        return None;
    }
    let area_share = hull_area / frame_area;
    let aspect_ok =
        |aspect: f32| (aspect / config.card_aspect - 1.0).abs() <= config.aspect_tolerance;

    if !on_border.contains(&true) {
        let corners = <[Pt; 4]>::try_from(polygon).ok()?;
        let corners = long_side_first(clockwise(corners));
        if !roughly_rectangular(&corners) || !aspect_ok(aspect(&corners)) {
            return None;
        }
        let card = Card {
            corners,
            cut: Vec::new(),
            area_share,
        };
        return Some((hull_area, card));
    }

    // Part of the card is outside: only its visible part can be measured, and that part can
    // be no longer than a whole card.
    let rect = imageproc::geometry::min_area_rect(&hull).map(|p| (p.x as f32, p.y as f32));
    let rect = long_side_first(clockwise(rect));
    if aspect(&rect) > config.card_aspect * (1.0 + config.aspect_tolerance) {
        return None;
    }
    let cut = missing_corners(&polygon, &on_border);
    let card = Card {
        corners: rect,
        cut,
        area_share,
    };
    Some((hull_area, card))
}

/// Douglas–Peucker on the closed hull, split into two open chains at the vertex farthest from
/// the centre and the vertex farthest from that one: both are true corners, which an open
/// approximation always keeps.
fn polygon(hull: &[Point<i32>]) -> Vec<Pt> {
    let to_f = |p: &Point<i32>| (p.x as f32, p.y as f32);
    let farthest_from = |from: Pt| {
        hull.iter()
            .enumerate()
            .max_by(|(_, a), (_, b)| distance(to_f(a), from).total_cmp(&distance(to_f(b), from)))
            .map_or(0, |(i, _)| i)
    };
    let n = hull.len();
    let points: Vec<Pt> = hull.iter().map(to_f).collect();
    let first = farthest_from(centroid(&points));
    let second = farthest_from(points[first]);
    let (a, b) = (first.min(second), first.max(second));
    if a == b {
        return points;
    }
    let epsilon = (POLYGON_TOLERANCE * arc_length(hull, true)).max(1.0);
    let there: Vec<Point<i32>> = hull[a..=b].to_vec();
    let back: Vec<Point<i32>> = hull[b..].iter().chain(&hull[..=a]).copied().collect();
    let mut out = Vec::with_capacity(8);
    for chain in [there, back] {
        let mut part = approximate_polygon_dp(&chain, epsilon, false);
        part.pop();
        out.extend(part.iter().map(to_f));
    }
    debug_assert!(out.len() <= n);
    out
}

/// Which frame corners the card leaves through. Each run of polygon vertices on the border is
/// one exit: if the card's edges on either side of it turn by about a right angle, one card
/// corner is outside where they meet; if they run back antiparallel, a whole side is outside.
fn missing_corners(polygon: &[Pt], on_border: &[bool]) -> Vec<Corner> {
    let n = polygon.len();
    let centre = centroid(polygon);
    let Some(start) = on_border.iter().position(|b| !b) else {
        return vec![Corner::TopLeft, Corner::BottomRight];
    };
    let at = |i: usize| (start + i) % n;
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        if !on_border[at(i)] {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < n && on_border[at(j + 1)] {
            j += 1;
        }
        let (first, last) = (polygon[at(i)], polygon[at(j)]);
        let (before, after) = (polygon[at(i + n - 1)], polygon[at(j + 1)]);
        let incoming = (first.0 - before.0, first.1 - before.1);
        let outgoing = (after.0 - last.0, after.1 - last.1);
        match intersection(before, incoming, last, outgoing) {
            Some(corner) if turn_degrees(incoming, outgoing) <= 135.0 => {
                out.push(quadrant(corner, centre));
            }
            _ => {
                out.push(quadrant(first, centre));
                out.push(quadrant(last, centre));
            }
        }
        i = j + 1;
    }
    out.sort();
    out.dedup();
    out
}

fn quadrant((x, y): Pt, (cx, cy): Pt) -> Corner {
    match (x < cx, y < cy) {
        (true, true) => Corner::TopLeft,
        (false, true) => Corner::TopRight,
        (false, false) => Corner::BottomRight,
        (true, false) => Corner::BottomLeft,
    }
}

/// Where the line through `p` along `d` meets the line through `q` along `e`.
fn intersection(p: Pt, d: Pt, q: Pt, e: Pt) -> Option<Pt> {
    let cross = d.0 * e.1 - d.1 * e.0;
    if cross.abs() < 1e-6 * (d.0.hypot(d.1) * e.0.hypot(e.1)).max(1e-6) {
        return None;
    }
    let t = ((q.0 - p.0) * e.1 - (q.1 - p.1) * e.0) / cross;
    Some((p.0 + t * d.0, p.1 + t * d.1))
}

/// How far the direction turns from `d` to `e`, 0–180°.
fn turn_degrees(d: Pt, e: Pt) -> f32 {
    let cos = (d.0 * e.0 + d.1 * e.1) / (d.0.hypot(d.1) * e.0.hypot(e.1)).max(1e-6);
    cos.clamp(-1.0, 1.0).acos().to_degrees()
}

fn centroid(points: &[Pt]) -> Pt {
    let n = points.len().max(1) as f32;
    (
        points.iter().map(|p| p.0).sum::<f32>() / n,
        points.iter().map(|p| p.1).sum::<f32>() / n,
    )
}

fn distance(a: Pt, b: Pt) -> f32 {
    (a.0 - b.0).hypot(a.1 - b.1)
}

/// Clockwise on screen (y down), starting at the top-left-most corner.
pub(crate) fn clockwise(mut corners: [Pt; 4]) -> [Pt; 4] {
    let twice_area: f32 = (0..4)
        .map(|i| {
            let (a, b) = (corners[i], corners[(i + 1) % 4]);
            a.0 * b.1 - b.0 * a.1
        })
        .sum();
    if twice_area < 0.0 {
        corners.reverse();
    }
    let first = (0..4)
        .min_by(|&i, &j| (corners[i].0 + corners[i].1).total_cmp(&(corners[j].0 + corners[j].1)))
        .unwrap_or(0);
    corners.rotate_left(first);
    corners
}

/// Rotated so that `corners[0]→corners[1]` is a long side.
fn long_side_first(mut corners: [Pt; 4]) -> [Pt; 4] {
    let [a, b, c, d] = corners;
    if distance(a, b) + distance(d, c) < distance(b, c) + distance(a, d) {
        corners.rotate_left(1);
    }
    corners
}

/// Long sides over short sides (means of opposite sides).
fn aspect(corners: &[Pt; 4]) -> f32 {
    let [a, b, c, d] = *corners;
    let long = distance(a, b) + distance(d, c);
    let short = (distance(b, c) + distance(a, d)).max(1e-3);
    long / short
}

/// Every inner angle within 50–130°: perspective bends a card's right angles, not more.
fn roughly_rectangular(corners: &[Pt; 4]) -> bool {
    (0..4).all(|i| {
        let (prev, here, next) = (corners[(i + 3) % 4], corners[i], corners[(i + 1) % 4]);
        let inner = 180.0
            - turn_degrees(
                (here.0 - prev.0, here.1 - prev.1),
                (next.0 - here.0, next.1 - here.1),
            );
        (50.0..=130.0).contains(&inner)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::photo::synthetic::{self, Background};

    fn grey(image: &image::RgbImage) -> GrayImage {
        image::DynamicImage::ImageRgb8(image.clone()).into_luma8()
    }

    fn find(corners: [Pt; 4], kind: Background) -> Option<Card> {
        let scene = synthetic::scene(1200, 900, kind, corners);
        find_card(&grey(&scene), &PhotoConfig::default())
    }

    #[test]
    fn finds_a_whole_card_and_its_corners() {
        let truth = synthetic::card_corners((600.0, 450.0), 750.0, 5.0);
        let card = find(truth, Background::Desk).expect("card found");
        assert!(card.cut.is_empty());
        assert!((card.long_side() - 750.0).abs() < 25.0, "{card:?}");
        assert!((card.tilt_degrees() - 5.0).abs() < 1.5, "{card:?}");
        for corner in truth {
            let nearest = card
                .corners
                .iter()
                .map(|c| distance(*c, corner))
                .fold(f32::MAX, f32::min);
            assert!(nearest < 15.0, "{corner:?} in {card:?}");
        }
    }

    #[test]
    fn finds_the_card_on_wood_and_on_a_pale_table() {
        for kind in [Background::Wood, Background::PaleTable] {
            let truth = synthetic::card_corners((620.0, 430.0), 700.0, -4.0);
            let card = find(truth, kind).unwrap_or_else(|| panic!("card on {kind:?}"));
            assert!(card.cut.is_empty(), "{kind:?}: {card:?}");
            assert!(
                (card.long_side() - 700.0).abs() < 25.0,
                "{kind:?}: {card:?}"
            );
        }
    }

    #[test]
    fn names_the_corner_that_leaves_the_frame() {
        let cases = [
            ((800.0, 250.0), -8.0, vec![Corner::TopRight]),
            ((420.0, 660.0), -8.0, vec![Corner::BottomLeft]),
            (
                (1010.0, 450.0),
                0.0,
                vec![Corner::TopRight, Corner::BottomRight],
            ),
        ];
        for (centre, degrees, expected) in cases {
            let corners = synthetic::card_corners(centre, 700.0, degrees);
            let card = find(corners, Background::Desk).expect("visible part found");
            assert_eq!(card.cut, expected, "{centre:?} {degrees}");
        }
    }

    #[test]
    fn no_card_in_a_bare_background() {
        let bare = synthetic::background(1200, 900, Background::Wood, 3);
        assert_eq!(find_card(&grey(&bare), &PhotoConfig::default()), None);
    }

    #[test]
    fn cut_names() {
        use Corner::*;
        assert_eq!(cut_name(&[TopRight]), "top-right");
        assert_eq!(cut_name(&[TopLeft, BottomLeft]), "left");
        assert_eq!(cut_name(&[TopLeft, BottomRight]), "several");
    }

    #[test]
    fn tilt_folds_onto_the_nearest_axis() {
        let card = |degrees: f32| Card {
            corners: synthetic::card_corners((0.0, 0.0), 100.0, degrees),
            cut: Vec::new(),
            area_share: 0.5,
        };
        assert!((card(25.0).tilt_degrees() - 25.0).abs() < 0.01);
        assert!((card(-25.0).tilt_degrees() - 25.0).abs() < 0.01);
        assert!(card(90.0).tilt_degrees() < 0.01);
    }
}
