//! What each channel says: the Standard Webhooks body, a chat line, an email, a push. Every
//! text is in English and Vietnamese; a lead carries no more than its inbox row shows.

use serde_json::{json, Value};

use crate::leads::inbox::InboxRow;
use crate::store::Event;

/// A text in both languages.
struct T {
    en: &'static str,
    vi: &'static str,
}

impl T {
    fn get(&self, lang: &str) -> &'static str {
        if lang == "vi" {
            self.vi
        } else {
            self.en
        }
    }
}

const NEW: T = T {
    en: "New",
    vi: "Mới",
};
const UPDATED: T = T {
    en: "Updated",
    vi: "Đã cập nhật",
};
const ASSIGNED_TO_YOU: T = T {
    en: "Assigned to you",
    vi: "Đã giao cho bạn",
};
const OPEN_IT: T = T {
    en: "Open it in leadbox",
    vi: "Mở trong leadbox",
};
const COMPANY: T = T {
    en: "Company",
    vi: "Công ty",
};
const RECEIVED: T = T {
    en: "Received",
    vi: "Nhận lúc",
};
const UNNAMED: T = T {
    en: "(no name)",
    vi: "(không tên)",
};
const WHY_NEW: T = T {
    en: "You get this email because you asked leadbox for every new lead. Change it on your account page:",
    vi: "Bạn nhận email này vì đã chọn nhận mọi khách hàng tiềm năng mới trong leadbox. Đổi lựa chọn tại trang tài khoản:",
};
const WHY_ASSIGNED: T = T {
    en: "You get this email because you asked leadbox for leads assigned to you. Change it on your account page:",
    vi: "Bạn nhận email này vì đã chọn nhận khách hàng tiềm năng được giao cho bạn. Đổi lựa chọn tại trang tài khoản:",
};
const WHY_DIGEST: T = T {
    en: "You get this email because you asked leadbox for a daily digest. Change it on your account page:",
    vi: "Bạn nhận email này vì đã chọn nhận bản tóm tắt hằng ngày. Đổi lựa chọn tại trang tài khoản:",
};
const DIGEST: T = T {
    en: "Daily digest",
    vi: "Tóm tắt hằng ngày",
};
const DIGEST_NEW: T = T {
    en: "New leads in the last 24 hours",
    vi: "Khách hàng tiềm năng mới trong 24 giờ qua",
};
const DIGEST_WAITING: T = T {
    en: "Leads waiting for a first answer",
    vi: "Khách hàng tiềm năng đang chờ phản hồi đầu tiên",
};
const OPEN_INBOX: T = T {
    en: "Open the inbox",
    vi: "Mở hộp thư",
};
const TEST: T = T {
    en: "A test message from leadbox: this endpoint receives its webhooks.",
    vi: "Tin nhắn thử từ leadbox: địa chỉ này nhận được webhook.",
};

/// The lead's name as people read it.
fn who(lead: &InboxRow, lang: &str) -> String {
    let name = lead
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| UNNAMED.get(lang).to_string());
    match lead.company.as_deref().filter(|c| !c.trim().is_empty()) {
        Some(c) => format!("{name} ({c})"),
        None => name,
    }
}

/// The Standard Webhooks body of an event: `{type, timestamp, data}` with the event's data,
/// its workspace and a link to the lead's page.
pub fn webhook_body(ev: &Event, admin_url: Option<&str>) -> Vec<u8> {
    let mut data = ev.data.clone();
    if !data.is_object() {
        data = json!({ "value": data });
    }
    data["workspaceId"] = json!(ev.workspace_id);
    if let Some(url) = admin_url {
        data["adminUrl"] = json!(url);
    }
    json!({ "type": ev.topic, "timestamp": ev.created_at, "data": data })
        .to_string()
        .into_bytes()
}

/// The body of a `leadbox.test` message.
pub fn test_body(ws: &str, timestamp: &str) -> Vec<u8> {
    json!({
        "type": super::webhooks::TEST_TOPIC,
        "timestamp": timestamp,
        "data": { "workspaceId": ws, "message": TEST.en },
    })
    .to_string()
    .into_bytes()
}

/// One readable line for a chat channel.
pub fn chat_line(
    lang: &str,
    ev: Option<&Event>,
    lead: Option<&InboxRow>,
    link: Option<&str>,
) -> String {
    let (Some(ev), Some(lead)) = (ev, lead) else {
        return TEST.get(lang).to_string();
    };
    let what = match Why::of(&ev.topic) {
        Why::Assigned => UPDATED.get(lang),
        why => why.head(lang),
    };
    let change = ev
        .data
        .get("change")
        .and_then(Value::as_str)
        .map(|c| format!(" · {}", c.replace('_', " ")))
        .unwrap_or_default();
    let kind = lead.kind_label.get(lang);
    let head = if lang == "vi" {
        format!("{kind} {}", what.to_lowercase())
    } else {
        format!("{what} {}", kind.to_lowercase())
    };
    let mut line = format!("{head}: {}{change}", who(lead, lang));
    if let Some(l) = link {
        line.push_str(&format!(" — {l}"));
    }
    line
}

/// The chat body for `format`.
pub fn chat_body(format: &str, url: &str, line: &str) -> Vec<u8> {
    let body = match format {
        "discord" => json!({ "content": line }),
        "telegram" => {
            // Telegram's sendMessage takes chat_id in the URL's query or the body.
            let chat = reqwest::Url::parse(url).ok().and_then(|u| {
                u.query_pairs()
                    .find(|(k, _)| k == "chat_id")
                    .map(|(_, v)| v.to_string())
            });
            match chat {
                Some(c) => json!({ "chat_id": c, "text": line }),
                None => json!({ "text": line }),
            }
        }
        _ => json!({ "text": line }),
    };
    body.to_string().into_bytes()
}

/// Why a person hears about a lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// A new lead.
    New,
    /// A lead assigned to them.
    Assigned,
    /// Their lead is due soon and not yet answered.
    DueSoon,
    /// A lead passed its first-response target (owners and admins).
    Overdue,
}

impl Why {
    /// Why an event of `topic` is sent.
    pub fn of(topic: &str) -> Why {
        use crate::leads::routing::sla::{DUE_SOON, OVERDUE as LATE};
        if topic == DUE_SOON {
            Why::DueSoon
        } else if topic == LATE {
            Why::Overdue
        } else if topic.ends_with("/submitted") {
            Why::New
        } else {
            Why::Assigned
        }
    }

    fn head(self, lang: &str) -> &'static str {
        match self {
            Why::New => NEW.get(lang),
            Why::Assigned => ASSIGNED_TO_YOU.get(lang),
            Why::DueSoon => DUE_SOON.get(lang),
            Why::Overdue => OVERDUE.get(lang),
        }
    }
}

const DUE: T = T {
    en: "Due",
    vi: "Hạn phản hồi",
};
const DUE_SOON: T = T {
    en: "Due soon, not yet answered",
    vi: "Sắp đến hạn, chưa phản hồi",
};
const OVERDUE: T = T {
    en: "Not answered in time",
    vi: "Quá hạn chưa phản hồi",
};
const WHY_OVERDUE: T = T {
    en: "You get this email because you are an owner or admin here and a lead passed its first-response target. Change your email choices on your account page:",
    vi: "Bạn nhận email này vì là chủ sở hữu hoặc quản trị viên và một khách hàng tiềm năng đã quá hạn phản hồi đầu tiên. Đổi lựa chọn tại trang tài khoản:",
};

/// Subject and text of the email about one lead.
pub fn lead_email(
    lang: &str,
    why: Why,
    lead: &InboxRow,
    link: &str,
    account: &str,
) -> (String, String) {
    let head = why.head(lang);
    let kind = lead.kind_label.get(lang);
    let name = lead
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| UNNAMED.get(lang).to_string());
    let subject = format!("{head}: {kind} — {name}");
    let mut text = format!("{head}: {kind}\n\n{name}\n");
    if let Some(c) = lead.company.as_deref().filter(|c| !c.trim().is_empty()) {
        text.push_str(&format!("{}: {c}\n", COMPANY.get(lang)));
    }
    text.push_str(&format!("{}: {}\n\n", RECEIVED.get(lang), lead.created_at));
    text.push_str(&format!("{}: {link}\n\n-- \n", OPEN_IT.get(lang)));
    if let Some(due) = &lead.due_at {
        text.push_str(&format!("{}: {due}\n\n", DUE.get(lang)));
    }
    let because = match why {
        Why::New => &WHY_NEW,
        Why::Assigned | Why::DueSoon => &WHY_ASSIGNED,
        Why::Overdue => &WHY_OVERDUE,
    };
    text.push_str(&format!("{} {account}\n", because.get(lang)));
    (subject, text)
}

/// Subject and text of the daily digest.
pub fn digest_email(
    lang: &str,
    workspace: &str,
    new_by_kind: &[(String, i64)],
    waiting: i64,
    inbox: &str,
    account: &str,
) -> (String, String) {
    let subject = format!("leadbox · {} — {workspace}", DIGEST.get(lang));
    let total: i64 = new_by_kind.iter().map(|(_, n)| n).sum();
    let mut text = format!("{}: {total}\n", DIGEST_NEW.get(lang));
    for (label, n) in new_by_kind {
        text.push_str(&format!("  {label}: {n}\n"));
    }
    text.push_str(&format!("{}: {waiting}\n\n", DIGEST_WAITING.get(lang)));
    text.push_str(&format!("{}: {inbox}\n\n-- \n", OPEN_INBOX.get(lang)));
    text.push_str(&format!("{} {account}\n", WHY_DIGEST.get(lang)));
    (subject, text)
}

/// The JSON a push carries: what the service worker shows, and where a click goes.
pub fn push_payload(lang: &str, why: Why, lead: &InboxRow) -> Vec<u8> {
    let head = why.head(lang);
    json!({
        "title": format!("{head}: {}", lead.kind_label.get(lang)),
        "body": who(lead, lang),
        "url": lead.admin_url,
        "tag": lead.id,
    })
    .to_string()
    .into_bytes()
}

const DISABLED: T = T {
    en: "A webhook was turned off",
    vi: "Một webhook đã bị tắt",
};
const DISABLED_WHY: T = T {
    en: "It failed for five days without one success, so leadbox stopped sending to it. Its messages are kept: fix the receiver, turn the webhook on and redeliver them.",
    vi: "Webhook thất bại suốt năm ngày không lần nào thành công nên leadbox đã ngừng gửi. Các tin nhắn vẫn được giữ: hãy sửa nơi nhận, bật lại webhook và gửi lại.",
};
const WEBHOOKS: T = T {
    en: "Webhooks",
    vi: "Webhook",
};

/// Subject and text of the notice to owners that an endpoint was disabled.
pub fn disabled_email(lang: &str, workspace: &str, host: &str, page: &str) -> (String, String) {
    let subject = format!("leadbox · {} — {workspace}", DISABLED.get(lang));
    let text = format!(
        "{}: {host}\n\n{}\n\n{}: {page}\n",
        DISABLED.get(lang),
        DISABLED_WHY.get(lang),
        WEBHOOKS.get(lang)
    );
    (subject, text)
}
