//! A multinomial logistic-regression classifier over sparse hashed features, trained at start-up
//! from the example utterances in `flows/nlu/` (a few thousand lines: well under a second).
//! Small and deterministic: fixed seed, fixed order, so the same data gives the same model.

use std::collections::HashMap;

/// Training settings; the defaults were chosen on the evaluation set in `tests/nlu_eval/`.
#[derive(Debug, Clone)]
pub struct TrainingSettings {
    pub epochs: usize,
    pub learning_rate: f32,
    pub l2: f32,
    pub seed: u64,
}

impl Default for TrainingSettings {
    fn default() -> Self {
        Self {
            epochs: 40,
            learning_rate: 1.0,
            l2: 1e-4,
            seed: 0x6b79_6364_6573_6b21,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Classifier {
    labels: Vec<String>,
    index: HashMap<u64, u32>,
    /// `weights[feature * classes + class]`
    weights: Vec<f32>,
    bias: Vec<f32>,
}

/// One training example: its features and its label's index.
pub struct Example {
    pub features: Vec<u64>,
    pub label: usize,
}

impl Classifier {
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    pub fn train(labels: Vec<String>, examples: &[Example], settings: &TrainingSettings) -> Self {
        let classes = labels.len();
        let mut index: HashMap<u64, u32> = HashMap::new();
        let encoded: Vec<(Vec<(u32, f32)>, usize)> = examples
            .iter()
            .map(|ex| {
                let mut feats: Vec<u32> = ex
                    .features
                    .iter()
                    .map(|f| {
                        let next = index.len() as u32;
                        *index.entry(*f).or_insert(next)
                    })
                    .collect();
                feats.sort_unstable();
                (weigh(&feats), ex.label)
            })
            .collect();
        let mut weights = vec![0f32; index.len() * classes];
        let mut bias = vec![0f32; classes];
        let mut order: Vec<usize> = (0..encoded.len()).collect();
        let mut rng = settings.seed;
        let mut probs = vec![0f32; classes];
        for epoch in 0..settings.epochs {
            shuffle(&mut order, &mut rng);
            let rate = settings.learning_rate / (1.0 + epoch as f32 * 0.1);
            for &i in &order {
                let (feats, label) = &encoded[i];
                scores(&weights, &bias, classes, feats, &mut probs);
                softmax(&mut probs);
                for (c, p) in probs.iter().enumerate() {
                    let target = if c == *label { 1.0 } else { 0.0 };
                    let grad = p - target;
                    bias[c] -= rate * grad;
                    for &(f, v) in feats {
                        let w = &mut weights[f as usize * classes + c];
                        *w -= rate * (grad * v + settings.l2 * *w);
                    }
                }
            }
        }
        Self {
            labels,
            index,
            weights,
            bias,
        }
    }

    /// Probabilities for every label, in the order of `labels()`.
    pub fn predict(&self, features: &[u64]) -> Vec<f32> {
        let classes = self.labels.len();
        let mut known: Vec<u32> = features
            .iter()
            .filter_map(|f| self.index.get(f).copied())
            .collect();
        known.sort_unstable();
        let weighted = weigh(&known);
        let mut probs = vec![0f32; classes];
        scores(&self.weights, &self.bias, classes, &weighted, &mut probs);
        softmax(&mut probs);
        probs
    }
}

/// Counts repeated features and scales so that every message has unit length: a long message
/// is not more certain than a short one just because it has more n-grams.
fn weigh(sorted: &[u32]) -> Vec<(u32, f32)> {
    let mut out: Vec<(u32, f32)> = Vec::with_capacity(sorted.len());
    for &f in sorted {
        match out.last_mut() {
            Some((last, count)) if *last == f => *count += 1.0,
            _ => out.push((f, 1.0)),
        }
    }
    let norm = out.iter().map(|(_, c)| c * c).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, c) in &mut out {
            *c /= norm;
        }
    }
    out
}

fn scores(weights: &[f32], bias: &[f32], classes: usize, feats: &[(u32, f32)], out: &mut [f32]) {
    out.copy_from_slice(bias);
    for &(f, v) in feats {
        let row = &weights[f as usize * classes..(f as usize + 1) * classes];
        for (o, w) in out.iter_mut().zip(row) {
            *o += w * v;
        }
    }
}

fn softmax(v: &mut [f32]) {
    let max = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for x in v.iter_mut() {
        *x = (*x - max).exp();
        sum += *x;
    }
    if sum > 0.0 {
        for x in v.iter_mut() {
            *x /= sum;
        }
    }
}

/// Fisher–Yates with xorshift64: deterministic, no dependency on a random-number crate.
fn shuffle(order: &mut [usize], state: &mut u64) {
    for i in (1..order.len()).rev() {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        let j = (*state % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_separable_toy_problem() {
        let labels = vec!["a".to_string(), "b".to_string()];
        let examples = vec![
            Example {
                features: vec![1, 2],
                label: 0,
            },
            Example {
                features: vec![1, 3],
                label: 0,
            },
            Example {
                features: vec![4, 5],
                label: 1,
            },
            Example {
                features: vec![4, 6],
                label: 1,
            },
        ];
        let model = Classifier::train(labels, &examples, &TrainingSettings::default());
        let p = model.predict(&[1]);
        assert!(p[0] > 0.8, "{p:?}");
        let p = model.predict(&[4, 99]);
        assert!(p[1] > 0.8, "{p:?}");
        let p = model.predict(&[99]);
        assert!(
            (p[0] - p[1]).abs() < 0.3,
            "unknown features stay uncertain: {p:?}"
        );
    }
}
