"""Yes, no and negation in the members' languages, as they write them in an SMS.

One entry per catalog language (canonical tags as in ``translations``). A phrase may be several
words ("na pewno", "جی نہیں"); the longest phrase at the start of a reply wins. Words are
written as members type them; ``dispatch.inbound.folding`` folds both lists and replies the
same way (case, accents, ``đ``, apostrophes, hyphens inside a word, Arabic-script letter
variants), so "d'accord", "D’ACCORD" and "daccord" are one word.

- ``yes``/``no``: the phrases that answer. Each catalog's own words (the meeting SMS's
  "JA %(code)s or NEI %(code)s", the page buttons) must be among them; a unit test checks it.
- ``negations``: a word right after a yes phrase that turns it into a no ("جی نہیں",
  "Ja nie …", "Dạ không").
- ``particles``: politeness or filler words after the phrase that carry no message of their own
  (Tagalog *po*, Thai *ครับ*/*ค่ะ*), so "Na-receive ko po" leaves nothing for the inbox.
- ``local``: words of ``yes``/``no`` that count only for members of this language, because
  elsewhere they are everyday words (Kurmanji *na* is Norwegian *nå* folded; Northern Sami
  *in*).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Words:
    """One language's answers, as written (folded when the parser is built)."""

    yes: tuple[str, ...]
    no: tuple[str, ...]
    negations: tuple[str, ...] = ()
    particles: tuple[str, ...] = ()
    local: frozenset[str] = field(default_factory=frozenset)


COMMON = Words(
    yes=("ok", "okay", "okey", "oki", "okej", "okei", "k", "1", "ок", "ок"),
    no=(),
)
"""Understood from everyone, before and after their own language's words."""

WORDS: dict[str, Words] = {
    "nb": Words(
        yes=(
            "ja",
            "jo",
            "j",
            "japp",
            "jepp",
            "jada",
            "mottatt",
            "fått den",
            "jeg kommer",
            "kommer",
            "det passer",
            "greit",
            "den er grei",
        ),
        no=("nei", "n", "kan ikke", "jeg kan ikke", "kommer ikke", "jeg kommer ikke", "ikke"),
        negations=("ikke", "nei", "aldri"),
        particles=("takk",),
    ),
    "nn": Words(
        yes=("ja", "jo", "jau", "j", "motteke", "mottatt", "fått ho", "eg kjem", "kjem", "greitt"),
        no=("nei", "n", "kan ikkje", "eg kan ikkje", "kjem ikkje", "eg kjem ikkje", "ikkje"),
        negations=("ikkje", "nei", "aldri"),
        particles=("takk",),
    ),
    "en": Words(
        yes=(
            "yes",
            "y",
            "yep",
            "yeah",
            "yup",
            "sure",
            "received",
            "got it",
            "i will come",
            "ill come",
            "i will attend",
            "confirmed",
        ),
        no=(
            "no",
            "n",
            "nope",
            "cannot",
            "cant",
            "i cannot",
            "i cant",
            "i can not",
            "not",
            "i will not",
            "i wont",
            "wont",
        ),
        negations=("not", "no", "cannot", "cant", "never", "dont", "wont"),
        particles=("thanks", "thank you"),
    ),
    "pl": Words(
        # "ja" is Polish for "I": «Ja nie mogę przyjść» is a no, «Ja będę» a yes.
        yes=(
            "tak",
            "tak jest",
            "dobrze",
            "jasne",
            "oczywiście",
            "na pewno",
            "będę",
            "ja będę",
            "przyjdę",
            "ja przyjdę",
            "wezmę udział",
            "otrzymałem",
            "otrzymałam",
            "dostałem",
            "dostałam",
            "dotarła",
            "zgoda",
        ),
        no=("nie", "ja nie", "nie mogę", "nie będę", "nie przyjdę", "niestety nie"),
        negations=("nie",),
        particles=("dziękuję", "dzięki"),
    ),
    "lt": Words(
        yes=("taip", "gerai", "gavau", "gavome", "ateisiu", "dalyvausiu"),
        no=("ne", "negaliu", "neateisiu", "nedalyvausiu", "negalėsiu"),
        negations=("ne", "negaliu"),
        particles=("ačiū",),
    ),
    "so": Words(
        yes=(
            "haa",
            "haye",
            "waa",
            "waan helay",
            "helay",
            "waan imanayaa",
            "waan iman doonaa",
            "hagaag",
            "hagaag",
        ),
        no=("maya", "ma iman karo", "ma imaan karo"),
        negations=("maya",),
        particles=("mahadsanid",),
    ),
    "ar": Words(
        yes=(
            "نعم",
            "أجل",
            "اجل",
            "أيوه",
            "ايوه",
            "تمام",
            "حاضر",
            "موافق",
            "وصلت",
            "وصلتني",
            "استلمت",
            "استلمتها",
            "سأحضر",
            "ساحضر",
        ),
        no=("لا", "كلا", "لن أحضر", "لا أستطيع"),
        negations=("لا", "لن", "ليس", "مش"),
        particles=("شكرا", "شكرًا"),
    ),
    "ti": Words(
        yes=("እወ", "ሕራይ", "ተቐቢለዮ", "ተቐቢልናዮ", "ክመጽእ እየ", "ክንመጽእ ኢና"),
        no=("ኣይፋልን", "ኣይፋል", "ኣይ", "ክመጽእ ኣይክእልን"),
        negations=("ኣይፋልን", "ኣይፋል", "ኣይኮነን"),
        particles=("የቐንየለይ", "የቐንየልና"),
    ),
    "uk": Words(
        yes=("так", "добре", "гаразд", "отримав", "отримала", "отримано", "прийду", "я прийду"),
        no=("ні", "не можу", "я не можу", "не прийду", "я не прийду", "я не зможу"),
        negations=("ні", "не"),
        particles=("дякую",),
    ),
    "ru": Words(
        yes=("да", "хорошо", "ладно", "получил", "получила", "получено", "приду", "я приду"),
        no=("нет", "не могу", "я не могу", "не приду", "я не приду", "я не смогу"),
        negations=("нет", "не"),
        particles=("спасибо",),
    ),
    "ur": Words(
        yes=(
            "جی",
            "ہاں",
            "جی ہاں",
            "ہاں جی",
            "ٹھیک ہے",
            "ملا",
            "مل گیا",
            "موصول ہو گیا",
            "آؤں گا",
            "آؤں گی",
        ),
        # «جی نہیں» is the polite no.
        no=("نہیں", "جی نہیں", "نہیں جی", "نا"),
        negations=("نہیں", "نا"),
        particles=("شکریہ",),
    ),
    "fa": Words(
        yes=("بله", "بلی", "آره", "باشه", "چشم", "حتما", "دریافت کردم", "رسید", "میام", "می‌آیم"),
        no=("نه", "نخیر", "نمی‌توانم", "نمیتونم", "نمیام"),
        negations=("نه", "نخیر", "نمی‌توانم"),
        particles=("ممنون", "مرسی", "متشکرم"),
    ),
    # Dari: «بلی» and «نی» (Iranian «بله»/«نه» are understood too).
    "fa-AF": Words(
        yes=(
            "بلی",
            "بله",
            "خوب",
            "درست است",
            "دریافت کردم",
            "گرفتم",
            "رسید",
            "میایم",
            "می‌آیم",
            "اشتراک می‌کنم",
        ),
        no=("نی", "نه", "نخیر", "نمی‌توانم"),
        negations=("نی", "نه", "نخیر"),
        particles=("تشکر", "تشکر از شما"),
    ),
    "ps": Words(
        yes=("هو", "هوکې", "ښه", "سمه ده", "ترلاسه مې کړ", "راځم"),
        no=("نه", "نه شم", "نشم راتلای"),
        negations=("نه",),
        particles=("مننه",),
    ),
    "tr": Words(
        yes=("evet", "tamam", "olur", "aldım", "geleceğim", "geliyorum", "katılacağım"),
        no=("hayır", "gelemem", "gelmeyeceğim", "katılamayacağım", "katılamam"),
        negations=("hayır", "değil"),
        particles=("teşekkürler", "sağolun", "sağ olun"),
    ),
    "ku": Words(
        yes=("erê", "belê", "baş e", "temam", "min wergirt", "ez ê werim", "ez ê bêm"),
        no=("na", "nexêr", "nikarim", "ez nikarim", "ez nikarim werim"),
        negations=("na", "nexêr", "ne"),
        particles=("spas",),
        local=frozenset({"na"}),
    ),
    "ckb": Words(
        yes=("بەڵێ", "بەلێ", "ئا", "ئەی", "باشە", "وەرمگرت", "دێم"),
        no=("نەخێر", "نا", "ناتوانم", "ناتوانم بێم"),
        negations=("نا", "نەخێر"),
        particles=("سوپاس",),
    ),
    "ro": Words(
        yes=("da", "bine", "sigur", "am primit", "l-am primit", "vin", "voi participa"),
        no=("nu", "nu pot", "nu vin", "nu pot participa"),
        negations=("nu",),
        particles=("mulțumesc", "mersi"),
    ),
    "es": Words(
        yes=(
            "sí",
            "si",
            "vale",
            "claro",
            "de acuerdo",
            "recibido",
            "lo he recibido",
            "lo recibí",
            "asistiré",
            "iré",
            "voy",
        ),
        no=("no", "no puedo", "no voy", "no iré"),
        negations=("no",),
        particles=("gracias",),
    ),
    "fr": Words(
        yes=(
            "oui",
            "d'accord",
            "ok",
            "bien reçu",
            "reçu",
            "je l'ai reçu",
            "je viendrai",
            "je viens",
        ),
        no=("non", "je ne peux pas", "pas possible", "je ne viendrai pas"),
        negations=("non", "pas", "ne"),
        particles=("merci",),
    ),
    # Thai is written without spaces; the folding splits a reply into these words first.
    "th": Words(
        yes=("ใช่", "ตกลง", "ได้", "ได้รับ", "ได้รับแล้ว", "ครับ", "ค่ะ", "คะ", "จะไป", "เข้าร่วม"),
        no=("ไม่", "ไม่ใช่", "ไม่ได้", "ไม่ไป", "ไม่สามารถ"),
        negations=("ไม่", "ไม่ใช่", "ไม่ได้"),
        particles=("ครับ", "ค่ะ", "คะ", "นะ", "จ้ะ", "แล้ว", "ขอบคุณ", "ฉัน", "ผม"),
    ),
    "vi": Words(
        yes=(
            "có",
            "vâng",
            "dạ",
            "được",
            "ừ",
            "đồng ý",
            "đã nhận",
            "đã nhận được",
            "nhận được",
            "tôi sẽ đến",
            "tôi sẽ tham dự",
            "sẽ đến",
        ),
        no=("không", "không được", "không thể", "tôi không thể", "chưa"),
        negations=("không", "chưa"),
        particles=("ạ", "cảm ơn"),
    ),
    "tl": Words(
        yes=(
            "oo",
            "opo",
            "oho",
            "sige",
            "sige po",
            "natanggap",
            "natanggap ko",
            "na-receive",
            "na-receive ko",
            "nareceive",
            "received",
            "dadalo",
            "dadalo ako",
            "pupunta",
            "pupunta ako",
        ),
        no=("hindi", "hindi po", "di", "ayaw", "hindi ako makakadalo", "hindi makakadalo"),
        negations=("hindi", "di"),
        particles=("po", "ho", "salamat", "salamat po"),
        local=frozenset({"di"}),
    ),
    "pa": Words(
        yes=("ਹਾਂ", "ਹਾਂਜੀ", "ਹਾਂ ਜੀ", "ਜੀ", "ਠੀਕ", "ਠੀਕ ਹੈ", "ਮਿਲ ਗਿਆ", "ਆਵਾਂਗਾ", "ਆਵਾਂਗੀ"),
        no=("ਨਹੀਂ", "ਜੀ ਨਹੀਂ", "ਨਹੀਂ ਜੀ", "ਨਾ"),
        negations=("ਨਹੀਂ", "ਨਾ"),
        particles=("ਧੰਨਵਾਦ",),
    ),
    "se": Words(
        yes=("juo", "jo", "lea", "lean ožžon", "ožžon", "boađán", "bohten"),
        # «In sáhte boahtit»: "in" is the negative verb "I do not".
        no=("ii", "in", "in sáhte", "in boađe", "ii leat"),
        negations=("ii", "in"),
        particles=("giitu",),
        local=frozenset({"in", "lea"}),
    ),
}
"""Every catalog language's answers (nb, nn and en first: the fallback order)."""
