//! Every sentence of the portal's own pages, in English and Russian.
//!
//! The catalog is one macro call: each key must be given both languages
//! or it does not compile, and each key becomes a method on [`Text`], so
//! a template naming a missing key does not compile either
//! (`{{ t.log_in() }}`). Texts are plain (no markup); templates escape
//! them like any other value.
//!
//! The language is chosen per request ([`Lang::choose`]): `?lang=xx`
//! (then remembered in a cookie), else the remembered cookie, else
//! `Accept-Language`, else English.

use crate::cookies;
use crate::language::preferred_languages;
use axum::http::HeaderMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Ru,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ru];

    /// The BCP 47 tag, for `<html lang>` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The visitor's language: an explicit `?lang=` choice, the
    /// remembered one, or the first of `Accept-Language` we speak.
    pub fn choose(query_choice: Option<Lang>, headers: &HeaderMap) -> Self {
        query_choice
            .or_else(|| cookies::get(headers, cookies::LANG).and_then(Lang::parse))
            .or_else(|| {
                preferred_languages(headers)
                    .iter()
                    .find_map(|l| Lang::parse(l))
            })
            .unwrap_or(Lang::En)
    }

    /// This language's texts.
    pub fn text(self) -> Text {
        Text { lang: self }
    }
}

/// The texts of one language; one method per catalog key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text {
    pub lang: Lang,
}

macro_rules! catalog {
    ($($key:ident: $en:literal, $ru:literal;)*) => {
        impl Text {
            $(
                pub fn $key(&self) -> &'static str {
                    match self.lang {
                        Lang::En => $en,
                        Lang::Ru => $ru,
                    }
                }
            )*
        }

        /// Every key with its English and Russian text, for tests.
        #[cfg(test)]
        const ALL: &[(&str, &str, &str)] = &[$((stringify!($key), $en, $ru)),*];
    };
}

catalog! {
    skip_to_content: "Skip to content", "Перейти к содержимому";
    main_menu: "Main menu", "Главное меню";
    home: "Home", "Главная";
    log_in: "Log in", "Войти";
    log_out: "Log out", "Выйти";
    register: "Register", "Регистрация";
    profile: "Profile", "Профиль";
    invites: "Invitations", "Приглашения";
    language: "Language", "Язык";
    logged_in_as: "Logged in as", "Вы вошли как";

    username: "Username", "Имя пользователя";
    username_hint: "3 to 32 Latin letters, digits, _, - or ., starting with a letter or digit.",
        "От 3 до 32 латинских букв, цифр, _, - или ., в начале — буква или цифра.";
    password: "Password", "Пароль";
    password_hint: "At least 10 characters.", "Не меньше 10 символов.";
    password_again: "Password again", "Пароль ещё раз";
    invite_code: "Invitation code", "Код приглашения";

    log_in_title: "Log in", "Вход";
    log_in_failed: "Wrong username or password.", "Неверное имя пользователя или пароль.";
    account_disabled: "This account is disabled.", "Эта учётная запись отключена.";
    throttled: "Too many failed attempts. Wait a few minutes and try again.",
        "Слишком много неудачных попыток. Подождите несколько минут и попробуйте снова.";
    no_account_yet: "No account yet?", "Ещё нет учётной записи?";

    register_title: "Create an account", "Создать учётную запись";
    register_button: "Create account", "Создать учётную запись";
    registration_closed: "Registration is closed.", "Регистрация закрыта.";
    registration_by_invite: "Registration needs an invitation from a member.",
        "Для регистрации нужно приглашение от участника.";
    username_invalid: "This username is not allowed: use 3 to 32 Latin letters, digits, _, - or ., starting with a letter or digit.",
        "Такое имя не подходит: используйте от 3 до 32 латинских букв, цифр, _, - или ., в начале — буква или цифра.";
    username_taken: "This username is taken.", "Это имя уже занято.";
    password_invalid: "The password must have 10 to 1024 characters.",
        "Пароль должен содержать от 10 до 1024 символов.";
    passwords_differ: "The two passwords differ.", "Пароли не совпадают.";
    invite_invalid: "This invitation code is unknown, used or expired.",
        "Код приглашения неизвестен, уже использован или истёк.";

    profile_title: "Your account", "Ваша учётная запись";
    role: "Role", "Роль";
    role_admin: "administrator", "администратор";
    role_moderator: "moderator", "модератор";
    role_uploader: "uploader", "загрузчик";
    role_member: "member", "участник";
    member_since: "Member since", "Участник с";
    passkey: "Passkey", "Ключ доступа (passkey)";
    passkey_help: "Your passkey is part of every .torrent file you download. Keep it secret: anyone who has it is counted as you.",
        "Ваш ключ входит в каждый скачанный вами .torrent-файл. Храните его в тайне: любого, у кого он есть, трекер считает вами.";
    rotate_passkey: "Replace passkey", "Заменить ключ";
    rotate_passkey_warning: "Replacing it makes every .torrent file you downloaded before stop working: download them again.",
        "После замены все ранее скачанные .torrent-файлы перестанут работать: скачайте их заново.";
    passkey_rotated: "Your passkey was replaced.", "Ваш ключ заменён.";
    your_uploads: "Your releases", "Ваши раздачи";
    no_uploads: "You have not uploaded anything yet.", "Вы ещё ничего не загружали.";
    your_comments: "Your comments", "Ваши комментарии";
    no_comments: "You have not written any comments yet.", "Вы ещё не писали комментариев.";
    transfers: "Transfers", "Обмен";
    uploaded: "Uploaded", "Отдано";
    downloaded: "Downloaded", "Скачано";
    ratio: "Ratio", "Рейтинг";
    snatched: "Releases completed", "Скачано раздач полностью";
    transfers_note: "Counted by the tracker from what your clients report; the newest traffic joins the sums after a short delay.",
        "Считает трекер по отчётам ваших клиентов; самый свежий обмен добавляется к суммам с небольшой задержкой.";
    ratio_held_back: "Your ratio is below this site's minimum: the tracker starts no new downloads for you until you upload more. Seeding still works, and so does resuming a download the tracker let you start before.",
        "Ваш рейтинг ниже минимума этого сайта: пока вы не отдадите больше, трекер не начнёт для вас новых загрузок. Раздавать можно, как и докачивать загрузки, которые трекер уже разрешил вам начать.";
    max_leeching: "Downloads at once, at most", "Одновременных загрузок, не больше";
    seeding_now: "Seeding now", "Сейчас раздаёте";
    leeching_now: "Downloading now", "Сейчас скачиваете";
    nothing_now: "Nothing at the moment.", "Сейчас ничего.";
    live_needs_private: "What you are seeding and downloading right now is shown when the tracker runs in private mode.",
        "То, что вы сейчас раздаёте и скачиваете, показывается, когда трекер работает в приватном режиме.";
    transfer_history: "By release", "По раздачам";
    no_transfers: "The tracker has not counted any transfer of yours yet.",
        "Трекер ещё не учёл ни одного вашего обмена.";
    completed_on: "Completed", "Скачана полностью";
    release_unavailable: "a release no longer listed", "раздача, которой больше нет в каталоге";
    your_data: "Your data", "Ваши данные";
    export_data: "Download everything stored about you (JSON)", "Скачать всё, что о вас хранится (JSON)";
    export_help: "Your account, sessions, API tokens, invitations, releases, comments, transfer statistics and saved searches, as one file.",
        "Учётная запись, сеансы, API-токены, приглашения, раздачи, комментарии, статистика обмена и сохранённые поиски — одним файлом.";
    export_note_hashes: "Your password, session tokens and API tokens are stored only as one-way hashes; those hashes are not exported. Sessions and tokens are listed by their times.",
        "Пароль, токены сеансов и API-токены хранятся только в виде необратимых хешей; эти хеши не выгружаются. Сеансы и токены перечислены по времени.";
    export_note_addresses: "No IP address is stored for any account event, so none is in this file. Times are Unix seconds (UTC).",
        "IP-адреса не сохраняются ни для каких действий с учётной записью, поэтому их нет и в этом файле. Время — в секундах Unix (UTC).";
    delete_account: "Delete your account", "Удалить учётную запись";
    delete_account_title: "Delete your account", "Удаление учётной записи";
    delete_account_explain: "This removes your name, password, passkey, sessions, API tokens, invitations, transfer statistics and saved searches at once, and cannot be undone. Your releases and comments stay on the site, shown as by a deleted account.",
        "Будут сразу удалены ваше имя, пароль, ключ доступа, сеансы, API-токены, приглашения, статистика обмена и сохранённые поиски; отменить это нельзя. Ваши раздачи и комментарии останутся на сайте от имени удалённой учётной записи.";
    delete_account_export_first: "Download your data first", "Сначала скачать свои данные";
    delete_account_password: "Your password, to confirm", "Ваш пароль для подтверждения";
    delete_account_button: "Delete my account for good", "Удалить учётную запись навсегда";
    back_to_profile: "Back to your account", "Вернуться к учётной записи";
    account_deleted_title: "Account deleted", "Учётная запись удалена";
    account_deleted: "Your account was deleted. Your releases and comments remain, shown as by a deleted account.",
        "Ваша учётная запись удалена. Ваши раздачи и комментарии остались — от имени удалённой учётной записи.";
    wrong_password: "The password is wrong.", "Неверный пароль.";
    error_last_admin: "You are the last administrator: make another member an administrator before deleting this account.",
        "Вы последний администратор: назначьте администратором другого участника, прежде чем удалять эту учётную запись.";

    invites_title: "Invitations", "Приглашения";
    invites_help: "An invitation lets one person create an account. Each code is shown only once, when you create it.",
        "Приглашение позволяет одному человеку создать учётную запись. Код показывается только один раз — при создании.";
    create_invite: "Create an invitation", "Создать приглашение";
    invite_created: "New invitation. Send this link or code; it is not shown again:",
        "Новое приглашение. Отправьте эту ссылку или код — больше он показан не будет:";
    invite_created_at: "Created", "Создано";
    invite_expires_at: "Expires", "Истекает";
    invite_used_by: "Used by", "Использовано";
    invite_unused: "not used yet", "ещё не использовано";
    invites_none: "You have not created any invitations.", "Вы ещё не создавали приглашений.";

    error_title: "Something went wrong", "Что-то пошло не так";
    back_home: "Back to the home page", "На главную";
    error_not_found: "There is no such page.", "Такой страницы нет.";
    error_unauthorized: "Please log in first.", "Сначала войдите.";
    error_forbidden: "Your account may not do this.", "Вашей учётной записи это не разрешено.";
    error_csrf: "This form has expired or was sent from another site. Go back, reload the page and try again.",
        "Срок действия формы истёк, или она отправлена с другого сайта. Вернитесь, обновите страницу и попробуйте снова.";
    error_invalid: "The request is not valid.", "Некорректный запрос.";
    error_conflict: "That value is already taken.", "Это значение уже занято.";
    error_internal: "An internal error occurred. Please try again later.",
        "Произошла внутренняя ошибка. Попробуйте позже.";

    releases: "Releases", "Раздачи";
    releases_title: "Releases", "Раздачи";
    upload: "Upload", "Загрузить";
    search_releases: "Search releases", "Поиск раздач";
    search: "Search", "Найти";
    newest_releases: "Newest releases", "Новые раздачи";
    all_releases: "All releases", "Все раздачи";
    categories: "Categories", "Категории";
    tracker_now: "On the tracker now", "Сейчас на трекере";
    torrents: "Torrents", "Торрентов";
    edit: "Edit", "Изменить";
    edit_release: "Edit this release", "Изменить раздачу";
    edit_release_title: "Edit release", "Изменение раздачи";
    edit_torrent_note: "The .torrent file cannot be changed: for other content, upload a new release.",
        "Файл .torrent изменить нельзя: для другого содержимого загрузите новую раздачу.";
    edit_resubmit_note: "Saving sends the release back to the moderators for review.",
        "После сохранения раздача снова уйдёт на проверку модераторам.";
    save: "Save", "Сохранить";
    back_to_release: "Back to the release", "Вернуться к раздаче";
    upload_title: "Upload a release", "Загрузить раздачу";
    upload_reviewed: "A moderator reviews your release before it is listed.",
        "Модератор проверит раздачу, прежде чем она появится в каталоге.";
    moderation: "Moderation", "Модерация";
    moderation_title: "Releases waiting for review", "Раздачи на проверке";
    torrent_file: ".torrent file", "Файл .torrent";
    torrent_file_hint: "BitTorrent v1, v2 or hybrid. At most", "BitTorrent v1, v2 или гибридный. Не больше";
    title: "Title", "Название";
    search_words: "Search titles, descriptions and files", "Поиск по названиям, описаниям и файлам";
    min_size: "Size from", "Размер от";
    max_size: "Size up to", "Размер до";
    size_hint: "e.g. 700M or 4.5G", "например, 700M или 4.5G";
    added_since: "Added since", "Добавлены с";
    sort_by: "Sort by", "Сортировка";
    sort_date: "Newest first", "Сначала новые";
    sort_seeders: "Most seeders", "Больше сидов";
    sort_size: "Largest first", "Сначала большие";
    sort_name: "Title, A to Z", "По названию";
    found: "Found", "Найдено";
    category: "Category", "Категория";
    all_categories: "All categories", "Все категории";
    show: "Show", "Показать";
    description: "Description", "Описание";
    description_hint: "Markdown: **bold**, *italic*, [links](https://example.org), lists, tables. No images or scripts.",
        "Markdown: **жирный**, *курсив*, [ссылки](https://example.org), списки, таблицы. Без картинок и скриптов.";
    tags: "Tags", "Метки";
    tags_hint: "Separated by commas, at most 20.", "Через запятую, не больше 20.";
    size: "Size", "Размер";
    seeders: "Seeders", "Сиды";
    leechers: "Leechers", "Личи";
    completed: "Downloads", "Скачиваний";
    added: "Added", "Добавлено";
    uploader: "Uploader", "Загрузил";
    deleted_account: "deleted account", "удалённая учётная запись";
    info_hash: "Info-hash", "Инфо-хеш";
    files: "Files", "Файлы";
    status: "Status", "Статус";
    change_status: "Change status", "Изменить статус";
    approve: "Approve", "Одобрить";
    status_pending: "waiting for review", "на проверке";
    status_approved: "approved", "одобрена";
    status_needs_fix: "needs fixing", "требует исправления";
    status_duplicate: "duplicate", "повтор";
    status_closed: "closed", "закрыта";
    freeleech: "Freeleech", "Фрилич";
    freeleech_help: "Downloading it does not count against your ratio.",
        "Скачанное с этой раздачи не учитывается в рейтинге.";
    make_freeleech: "Make freeleech", "Сделать фриличем";
    end_freeleech: "End freeleech", "Отменить фрилич";
    site_freeleech: "Freeleech: downloads don't count", "Фрилич: скачанное не учитывается";
    download_torrent: "Download .torrent", "Скачать .torrent";
    magnet_link: "Magnet link", "Магнет-ссылка";
    comments: "Comments", "Комментарии";
    add_comment: "Your comment", "Ваш комментарий";
    post_comment: "Post comment", "Отправить комментарий";
    hidden: "hidden", "скрыт";
    hide: "Hide", "Скрыть";
    unhide: "Show again", "Показать снова";
    no_releases: "No releases here yet.", "Здесь пока нет раздач.";
    pages: "Pages", "Страницы";
    previous_page: "Previous page", "Предыдущая страница";
    next_page: "Next page", "Следующая страница";

    feed_of_search: "RSS feed of this search", "RSS-лента этого поиска";
    feed_with_passkey: "RSS feed with your passkey", "RSS-лента с вашим ключом";
    feed_passkey_hint: "Feed readers and torrent clients can download the .torrent files of the feed with your passkey without logging in. Keep that address as secret as your passkey; replacing the passkey retires it.",
        "По ленте с вашим ключом программы чтения лент и торрент-клиенты скачивают .torrent-файлы без входа на сайт. Храните этот адрес в тайне, как и ключ; после замены ключа он перестанет работать.";
    feed_description: "The newest approved releases of this search.", "Новые одобренные раздачи по этому поиску.";
    save_search: "Save this search", "Сохранить этот поиск";
    search_name: "Name of the search", "Название поиска";
    saved_searches: "Saved searches", "Сохранённые поиски";
    no_saved_searches: "You have no saved searches. Save one on the releases page to get its RSS feed.",
        "У вас нет сохранённых поисков. Сохраните поиск на странице раздач, чтобы получить его RSS-ленту.";
    delete: "Delete", "Удалить";
    error_feed_key: "This feed key is unknown or its account is disabled: copy the feed address from your profile again.",
        "Ключ ленты неизвестен или его учётная запись отключена: скопируйте адрес ленты из профиля заново.";
    error_feed_status: "Feeds list approved releases only: leave out status.",
        "В лентах только одобренные раздачи: уберите параметр status.";
    error_no_site_url: "The feed needs the site's address, but the request names no host and portal.public_url is not set.",
        "Ленте нужен адрес сайта, но в запросе нет имени хоста, а portal.public_url не задан.";
    error_saved_search_name: "Name the search with 1 to 100 characters.",
        "Дайте поиску название от 1 до 100 символов.";
    error_saved_search_name_taken: "You already have a saved search with this name.",
        "У вас уже есть сохранённый поиск с таким названием.";
    error_saved_search_too_long: "This search is too long to save.", "Этот поиск слишком длинный, чтобы его сохранить.";
    error_too_many_saved_searches: "You keep 50 saved searches, the most allowed: delete one first.",
        "У вас уже 50 сохранённых поисков — это предел: сначала удалите один.";

    error_too_large: "The request is too large.", "Запрос слишком большой.";
    error_torrent_too_large: "The .torrent file is too large", "Файл .torrent слишком большой";
    error_field_too_large: "A form field is too long", "Поле формы слишком длинное";
    error_upload_media_type: "Send the upload as multipart/form-data (a file upload form).",
        "Отправьте загрузку как multipart/form-data (форма с файлом).";
    error_form_media_type: "This request needs a form body (Content-Type: application/x-www-form-urlencoded).",
        "Этому запросу нужно тело формы (Content-Type: application/x-www-form-urlencoded).";
    error_media_type: "This request needs a JSON body (Content-Type: application/json).",
        "Этому запросу нужно тело в формате JSON (Content-Type: application/json).";
    error_invalid_json: "The JSON body is malformed or lacks a required field.",
        "Тело JSON повреждено или в нём нет обязательного поля.";
    error_invalid_multipart: "The upload is damaged (broken multipart data or text that is not UTF-8). Try again.",
        "Загрузка повреждена (испорченные данные multipart или текст не в UTF-8). Попробуйте снова.";
    error_missing_torrent: "Choose a .torrent file to upload.", "Выберите файл .torrent для загрузки.";
    error_invalid_torrent: "This .torrent file was refused:", "Этот файл .torrent отклонён:";
    error_file_names: "Some file names in this .torrent are not valid UTF-8. Create the torrent again with a current client.",
        "Некоторые имена файлов в этом .torrent не в кодировке UTF-8. Создайте торрент заново современным клиентом.";
    error_private_required: "This site accepts only private torrents: create the torrent with the private flag set.",
        "Этот сайт принимает только приватные торренты: создайте торрент с флагом private.";
    error_private_forbidden: "This site does not accept private torrents: create the torrent without the private flag.",
        "Этот сайт не принимает приватные торренты: создайте торрент без флага private.";
    error_invalid_title: "The title must have 1 to 300 characters.", "Название должно содержать от 1 до 300 символов.";
    error_invalid_tags: "Use at most 20 tags of at most 40 characters each, separated by commas.",
        "Используйте не больше 20 меток, каждая не длиннее 40 символов, через запятую.";
    error_unknown_category: "There is no such category.", "Такой категории нет.";
    error_duplicate_release: "This torrent is already here:", "Этот торрент уже есть на сайте:";
    error_invalid_status: "Unknown status: use pending, approved, needs_fix, duplicate or closed.",
        "Неизвестный статус: используйте pending, approved, needs_fix, duplicate или closed.";
    error_invalid_comment: "A comment has 1 to 10,000 characters and no control characters.", "Комментарий должен содержать от 1 до 10 000 символов без управляющих символов.";
    error_no_tracker: "No tracker address is configured; ask the operator.", "Адрес трекера не настроен; обратитесь к администратору.";
    error_category_slug: "A category slug has 1 to 64 lowercase Latin letters, digits or '-'.",
        "Код категории — от 1 до 64 строчных латинских букв, цифр или '-'.";
    error_category_name: "Category names have 1 to 100 characters in both languages, and no control characters.",
        "Названия категории должны содержать от 1 до 100 символов на обоих языках, без управляющих символов.";
    error_invalid_description: "The description contains a control character.",
        "В описании есть управляющий символ.";
    error_category_cycle: "A category cannot be placed inside itself.", "Категорию нельзя поместить внутрь неё самой.";
    error_slug_taken: "Another category has this slug.", "Этот код уже у другой категории.";
    error_category_in_use: "This category still has sub-categories or releases.",
        "В этой категории ещё есть подкатегории или раздачи.";

    admin: "Admin", "Администрирование";
    dashboard_title: "Dashboard", "Панель управления";
    traffic_heading: "Requests per hour by country, last 7 days", "Запросы в час по странам за 7 дней";
    traffic_chart_desc: "One line per busiest country and one for all others together, requests per hour (UTC); the shaded part is the last 24 hours.",
        "Одна линия на каждую из самых активных стран и одна на все остальные вместе, запросы в час (UTC); затенённая часть — последние 24 часа.";
    traffic_note: "Hours are UTC. The dots at the right edge are the hour in progress so far; counts not yet written to the database are included.",
        "Время — UTC. Точки у правого края — текущий час на данный момент; учтены и счётчики, ещё не записанные в базу данных.";
    hour_in_progress: "this hour so far", "текущий час на данный момент";
    traffic_scope: "Count", "Учитывать";
    scope_all: "all requests", "все запросы";
    scope_tracker: "tracker", "трекер";
    scope_portal: "portal", "портал";
    scope_download: "downloads", "скачивания";
    traffic_none: "No requests were counted in the last 7 days.", "За последние 7 дней запросов не было.";
    traffic_changes: "The last 24 whole hours against the 24 before", "Последние 24 полных часа против 24 предыдущих";
    requests_per_hour: "requests per hour", "запросов в час";
    other_countries: "other", "другие";
    unknown_country: "unknown", "неизвестно";
    country: "Country", "Страна";
    last_24h: "Last 24 hours", "Последние 24 часа";
    previous_24h: "24 hours before", "Предыдущие 24 часа";
    change: "Change", "Изменение";
    change_new: "new", "новая";
    download_chart: "The chart as an SVG file", "График в виде файла SVG";
    policy_decisions: "Access policy decisions", "Решения политики доступа";
    no_decisions: "No decisions were counted in the last 7 days.", "За последние 7 дней решений не было.";
    scope: "Scope", "Область";
    rule: "Rule", "Правило";
    decision: "Decision", "Решение";
    count_24h: "24 hours", "24 часа";
    count_7d: "7 days", "7 дней";
    rows_cut: "Only the 50 largest rows are shown.", "Показаны только 50 самых больших строк.";
    accounting_backlog: "Credits waiting to be written", "Начисления, ожидающие записи";
    accounting_sessions: "Open tracker sessions", "Открытые сеансы трекера";

    branding_title: "Site branding", "Оформление сайта";
    branding_help: "Every page shows the changes from its next load on.",
        "Все страницы покажут изменения при следующей загрузке.";
    branding_saved: "Saved. Every page shows it now.", "Сохранено. Теперь это видно на всех страницах.";
    site_name_label: "Site name", "Название сайта";
    site_name_hint: "Up to 60 characters. Leave it empty for the configured name:",
        "До 60 символов. Оставьте пустым, чтобы использовать название из настроек:";
    accent_label: "Link colour", "Цвет ссылок";
    accent_hint: "As #rrggbb, readable on white (contrast at least 4.5:1). Empty: the default blue.",
        "В виде #rrggbb, читаемый на белом (контраст не меньше 4,5:1). Пусто — синий по умолчанию.";
    band_label: "Band colour", "Цвет полосы";
    band_hint: "As #rrggbb: a band across the top of every page and beside the banner. Empty: no band.",
        "В виде #rrggbb: полоса вверху каждой страницы и у объявления. Пусто — без полосы.";
    banner_label: "Banner", "Объявление";
    banner_hint: "Plain text shown on every page, up to 300 characters. Empty: no banner.",
        "Обычный текст на каждой странице, до 300 символов. Пусто — без объявления.";
    logo_label: "Logo", "Логотип";
    logo_hint: "PNG or SVG; scripts, links and outside images are removed from SVG files. At most",
        "PNG или SVG; из файлов SVG удаляются скрипты, ссылки и внешние изображения. Не больше";
    current_logo: "Current logo", "Текущий логотип";
    no_logo: "No logo yet.", "Логотипа пока нет.";
    remove_logo: "Remove the logo", "Убрать логотип";
    error_invalid_site_name: "The site name must have at most 60 characters and no control characters.",
        "Название сайта должно быть не длиннее 60 символов и без управляющих символов.";
    error_invalid_color: "Write colours as #rrggbb, for example #0645ad.",
        "Записывайте цвета как #rrggbb, например #0645ad.";
    error_low_contrast: "This link colour is too light to read on white: pick one with a contrast of at least 4.5:1. This one has",
        "Этот цвет ссылок слишком светлый для белого фона: выберите цвет с контрастом не меньше 4,5:1. У этого";
    error_invalid_banner: "The banner must be plain text of at most 300 characters.",
        "Объявление должно быть обычным текстом не длиннее 300 символов.";
    error_logo_too_large: "The logo file is too large", "Файл логотипа слишком большой";
    error_logo_kind: "The logo must be a .png or .svg file.", "Логотип должен быть файлом .png или .svg.";
    error_not_png: "This file is not a valid PNG image:", "Этот файл — не корректное изображение PNG:";
    error_png_too_big: "The PNG logo has too many pixels:", "В логотипе PNG слишком много пикселей:";
    error_not_svg: "This file is not a valid SVG image:", "Этот файл — не корректное изображение SVG:";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_an_english_and_a_russian_text() {
        for (key, en, ru) in ALL {
            assert!(!en.trim().is_empty() && !ru.trim().is_empty(), "{key}");
            assert_ne!(en, ru, "{key}: untranslated");
            assert!(
                ru.chars()
                    .any(|c| ('а'..='я').contains(&c.to_lowercase().next().unwrap())),
                "{key}: the Russian text has no Cyrillic letter"
            );
            assert!(
                !en.chars().any(|c| ('а'..='я').contains(&c)),
                "{key}: Cyrillic in English"
            );
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn an_explicit_choice_beats_the_cookie_which_beats_accept_language() {
        let h = headers(&[("cookie", "sg_lang=en"), ("accept-language", "ru")]);
        assert_eq!(Lang::choose(Some(Lang::Ru), &h), Lang::Ru);
        assert_eq!(Lang::choose(None, &h), Lang::En);
        let h = headers(&[("accept-language", "de, ru;q=0.5")]);
        assert_eq!(Lang::choose(None, &h), Lang::Ru);
        assert_eq!(Lang::choose(None, &HeaderMap::new()), Lang::En);
    }
}
