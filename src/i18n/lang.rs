//! The languages the bot speaks.

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::ZhCn, Lang::En];

    /// The BCP 47 tag, also the name of the folder under `locales/`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::ZhCn => Lang::En,
            Lang::En => Lang::ZhCn,
        }
    }

    /// Reads a tag or a name users type (`zh`, `zh-Hans`, `中文`, `english`, ...).
    pub fn parse(text: &str) -> Option<Lang> {
        let t = text.trim().to_lowercase().replace('_', "-");
        match t.as_str() {
            "zh" | "zh-cn" | "zh-hans" | "zh-sg" | "zh-tw" | "zh-hk" | "zh-hant" | "cn"
            | "chinese" | "中文" | "汉语" | "漢語" | "普通话" | "简体中文" => {
                Some(Lang::ZhCn)
            }
            _ if t.starts_with("zh") => Some(Lang::ZhCn),
            "en" | "english" | "英文" | "英语" | "英語" => Some(Lang::En),
            _ if t.starts_with("en-") => Some(Lang::En),
            _ => None,
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.tag())
    }
}
