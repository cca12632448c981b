//! Strings of the public form pages, English and Vietnamese.

use crate::domain::Locale;

/// Every string the public pages show.
#[allow(missing_docs)]
pub struct PublicText {
    pub lang: &'static str,
    pub title: &'static str,
    pub intro: &'static str,
    pub kind: &'static str,
    pub kind_sales: &'static str,
    pub kind_partnership: &'static str,
    pub kind_support: &'static str,
    pub kind_other: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub phone: &'static str,
    pub business_name: &'static str,
    pub business_website: &'static str,
    pub business_size: &'static str,
    pub industry: &'static str,
    pub subject: &'static str,
    pub message: &'static str,
    pub optional: &'static str,
    pub send: &'static str,
    pub leave_empty: &'static str,
    pub fix: &'static str,
    pub thanks_title: &'static str,
    pub thanks_body: &'static str,
    pub too_many: &'static str,
    /// Above the form again when its post could not be stored just now.
    pub unavailable: &'static str,
    pub not_allowed: &'static str,
    pub not_found: &'static str,
    pub other_language: &'static str,
    pub other_lang_code: &'static str,
}

/// English.
pub const EN: PublicText = PublicText {
    lang: "en",
    title: "Contact sales",
    intro: "Tell us about your business and we will get back to you.",
    kind: "Topic",
    kind_sales: "Sales",
    kind_partnership: "Partnership",
    kind_support: "Support",
    kind_other: "Other",
    name: "Your name",
    email: "Work email",
    phone: "Phone",
    business_name: "Company",
    business_website: "Company website",
    business_size: "Company size",
    industry: "Industry",
    subject: "Subject",
    message: "Message",
    optional: "optional",
    leave_empty: "Leave this empty",
    send: "Send",
    fix: "Please check the fields marked below.",
    thanks_title: "Thank you!",
    thanks_body: "We have received your message and will get back to you soon.",
    too_many: "Too many submissions from your network. Please wait a minute and try again.",
    unavailable: "We could not take your message just now. It is still below: please send it again in a minute.",
    not_allowed: "This form cannot be sent from that website.",
    not_found: "This form does not exist.",
    other_language: "Tiếng Việt",
    other_lang_code: "vi",
};

/// Vietnamese.
pub const VI: PublicText = PublicText {
    lang: "vi",
    title: "Liên hệ bộ phận bán hàng",
    intro: "Hãy cho chúng tôi biết về doanh nghiệp của bạn, chúng tôi sẽ liên hệ lại.",
    kind: "Chủ đề",
    kind_sales: "Bán hàng",
    kind_partnership: "Hợp tác",
    kind_support: "Hỗ trợ",
    kind_other: "Khác",
    name: "Họ và tên",
    email: "Email công việc",
    phone: "Số điện thoại",
    business_name: "Công ty",
    business_website: "Website công ty",
    business_size: "Quy mô công ty",
    industry: "Ngành nghề",
    subject: "Tiêu đề",
    message: "Nội dung",
    optional: "không bắt buộc",
    leave_empty: "Để trống ô này",
    send: "Gửi",
    fix: "Vui lòng kiểm tra các trường được đánh dấu bên dưới.",
    thanks_title: "Cảm ơn bạn!",
    thanks_body: "Chúng tôi đã nhận được tin nhắn và sẽ sớm liên hệ lại với bạn.",
    too_many: "Có quá nhiều lượt gửi từ mạng của bạn. Vui lòng đợi một phút rồi thử lại.",
    unavailable: "Hiện chúng tôi chưa nhận được tin nhắn của bạn. Nội dung vẫn còn bên dưới: vui lòng gửi lại sau một phút.",
    not_allowed: "Không thể gửi biểu mẫu này từ trang web đó.",
    not_found: "Biểu mẫu này không tồn tại.",
    other_language: "English",
    other_lang_code: "en",
};

/// The text of a language.
pub fn text(locale: Locale) -> &'static PublicText {
    match locale {
        Locale::En => &EN,
        Locale::Vi => &VI,
    }
}

/// A field error in the visitor's language (validation messages are written in English).
pub fn localize(locale: Locale, message: &str) -> String {
    if locale == Locale::En {
        return message.to_string();
    }
    let known: &[(&str, &str)] = &[
        ("is required", "là bắt buộc"),
        (
            "must be a valid email address",
            "phải là địa chỉ email hợp lệ",
        ),
        ("must be a string", "không hợp lệ"),
        ("must be a website address", "phải là địa chỉ website"),
        ("must be a phone number", "phải là số điện thoại"),
        (
            "must be one of sales, partnership, support, other",
            "không hợp lệ",
        ),
        ("must be en or vi", "phải là en hoặc vi"),
        (
            "must not contain control characters",
            "không được chứa ký tự điều khiển",
        ),
        ("must be ticked", "cần được đánh dấu"),
        (
            "must be one of the form's options",
            "phải là một trong các lựa chọn",
        ),
        ("must be true or false", "không hợp lệ"),
    ];
    if let Some(max) = message
        .strip_prefix("must be at most ")
        .and_then(|r| r.strip_suffix(" characters"))
    {
        return format!("tối đa {max} ký tự");
    }
    known
        .iter()
        .find(|(en, _)| message.starts_with(en))
        .map(|(_, vi)| vi.to_string())
        .unwrap_or_else(|| message.to_string())
}
