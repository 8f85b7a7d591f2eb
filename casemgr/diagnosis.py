"""The risk diagnosis (リスク診断, DOMAIN §11): the questions, the scores, the report, the service.

* **Questions.** ``AREAS`` are the seed's 11 areas in its order; each has at least 4
  ``QUESTIONS`` written for a small business, in Japanese and English, each with the next
  step to take when it is answered weakly. ``SCALE`` is the 5-step answer scale.
* **Scores** (``area_score``, ``overall_score``): integers, rounded half up with integer
  arithmetic; no score until every question is answered. ``band`` names the comment.
* **Report** (``Report``): the overall score, each area's score, band, comment and next
  steps, and the previous completed diagnosis of the same business for the overlay.
* **Service** (``DiagnosisService``, ``core.diagnosis``): commands take the acting user and
  primitives; queries return frozen data. Access (DOMAIN §9): an insured user its own
  business, staff the businesses with a policy in their programmes, admins and the console
  all; anything else is ``NotFound`` worded as for a business that does not exist.

Texts are kept here in both languages (``text(…, lang)``) so the page, the PDF and the
console say the same thing.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from casemgr.clock import Clock
from casemgr.errors import ConcurrentUpdate, DomainError, NotFound
from casemgr.texts import Text
from events.accounts import Business, business_id
from events.diagnosis import Diagnosis, area_of, diagnosis_id
from events.values import Actor

if TYPE_CHECKING:
    from casemgr.service import CaseService

QUESTIONNAIRE = "2026-1"  # the revision of the questions below; stored with each diagnosis
SEES_ALL = ("admin", "system", "operator")
NEXT_STEPS = 2  # next steps shown per area: its weakest answers (below 4), lowest first
RETRIES = 10
PAGE = 500
T = TypeVar("T")


# -- the questionnaire --------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    code: str
    ja: str
    en: str


@dataclass(frozen=True)
class Question:
    id: str  # "<area>-<n>": stored in the events, never renamed
    ja: str
    en: str
    step_ja: str  # the next step when the answer is weak
    step_en: str

    @property
    def area(self) -> str:
        return area_of(self.id)


AREAS = (
    Area("appi", "個人情報保護法対応", "Personal Information Protection Act"),
    Area("policy", "情報セキュリティ基本方針", "Information security policy"),
    Area("organization", "組織のセキュリティ", "Organizational security"),
    Area("assets", "資産の分類及び管理", "Asset classification and control"),
    Area("personnel", "人的セキュリティ", "Personnel security"),
    Area("physical", "物理的及び環境的セキュリティ", "Physical and environmental security"),
    Area("operations", "通信及び運用管理", "Communications and operations management"),
    Area("access", "アクセス制御", "Access control"),
    Area("development", "システムの開発及びメンテナンス", "Systems development and maintenance"),
    Area("continuity", "事業継続管理", "Business continuity management"),
    Area("compliance", "適合性", "Compliance"),
)

SCALE = (  # value, Japanese, English
    (0, "できていない", "Not at all"),
    (1, "少しだけ", "A little"),
    (2, "半分ほど", "About half"),
    (3, "ほぼできている", "Mostly"),
    (4, "できていて、確認もしている", "Fully, and checked"),
)

Q = Question
QUESTIONS = (
    # 1. 個人情報保護法対応
    Q("appi-1",
      "お店や会社で扱っている個人情報（顧客名簿、会員情報、問い合わせの記録など）の種類、おおよその件数、保管場所を一覧にしている。",
      "You keep a list of the personal information you hold (customer lists, member records, enquiries…): what it is, about how many people, and where it is kept.",
      "顧客名簿・会員情報・問い合わせ記録などを書き出し、種類・おおよその件数・保管場所（紙、パソコン、クラウド）を1枚の表にまとめましょう。",
      "Write down your customer lists, member records and enquiry logs, and put what they are, about how many people and where they are kept (paper, PC, cloud) in one table."),
    Q("appi-2",
      "個人情報を集めるとき、何に使うか（利用目的）をお客様に知らせている（店頭の掲示、ホームページ、申込書など）。",
      "When you collect personal information, you tell customers what it will be used for (a notice in the shop, on the website, on the form).",
      "申込書やホームページに「お預かりした個人情報は○○のために利用します」という利用目的の文を入れましょう。",
      "Add a sentence to your forms and website saying what the personal information you receive is used for."),
    Q("appi-3",
      "お客様の情報を本人の同意なく他社に渡さないルールがあり、業者に作業を任せるときは契約で安全な管理を求めている。",
      "You have a rule never to hand customers' data to another company without their consent, and when you outsource work the contract requires safe handling.",
      "「本人の同意なく第三者に渡さない」ことを社内ルールに書き、名簿を預ける業者との契約に安全管理と再委託の禁止（または事前承認）を入れましょう。",
      "Write 'no hand-over to third parties without consent' into your rules, and put safe handling and no sub-contracting without approval into the contracts of vendors who receive your lists."),
    Q("appi-4",
      "漏えいが起きたとき、個人情報保護委員会への報告と本人への通知が必要になる場合があることを知っていて、誰が行うか決めている。",
      "You know that a leak may have to be reported to the Personal Information Protection Commission and notified to the people affected, and you have decided who does it.",
      "漏えい時の報告（速報は発覚からおおむね3〜5日以内、確報は30日以内、不正目的なら60日以内）と本人通知の担当者を決め、手順を1枚にまとめましょう。",
      "Name who reports a leak to the Commission (preliminary within about 3-5 days, final within 30 days, 60 for wrongful purposes) and who notifies the people, and put the steps on one page."),
    Q("appi-5",
      "お客様から「自分の情報を見せてほしい・直してほしい・使わないでほしい」と言われたときの窓口と対応の手順を決めている。",
      "You have a contact point and a procedure for customers who ask to see, correct or stop the use of their information.",
      "開示・訂正・利用停止の請求を受ける窓口（電話番号やメールアドレス）と、本人確認の方法・回答までの手順を決め、ホームページに載せましょう。",
      "Set up a contact point (phone or e-mail) for requests to see, correct or stop using data, decide how you check identity and answer, and publish it on your website."),
    # 2. 情報セキュリティ基本方針
    Q("policy-1",
      "情報セキュリティと個人情報保護についての基本方針（会社としての約束）を文書にしている。",
      "You have written down your basic policy (your company's commitment) on information security and personal information.",
      "A4用紙1枚で構いません。「お客様の情報を大切に守ります」という約束と、守るために何をするかを文書にしましょう。",
      "One page is enough: write your commitment to protect customers' information and what you do to keep it."),
    Q("policy-2",
      "基本方針を代表者が承認し、パート・アルバイトを含む従業員全員に伝えている。",
      "The head of the business has approved the policy, and every employee, part-timers included, has been told about it.",
      "代表者の名前と日付を入れて基本方針を承認し、朝礼や回覧で全員に説明し、読んだ印をもらいましょう。",
      "Have the head sign and date the policy, explain it to everyone at a meeting or by circulation, and keep a record that each has read it."),
    Q("policy-3",
      "基本方針（プライバシーポリシー）をホームページや店頭などで社外にも公表している。",
      "The policy (privacy policy) is published outside the company, on the website or in the shop.",
      "プライバシーポリシーとしてホームページに掲載するか、店頭に掲示しましょう。",
      "Publish it as your privacy policy on the website, or display it in the shop."),
    Q("policy-4",
      "基本方針を年に1回以上、また大きな変化（新しいサービス、法改正など）があったときに見直している。",
      "You review the policy at least once a year, and whenever something big changes (a new service, a change in the law).",
      "見直す月を決め（例：毎年4月）、見直した日付と変更点を文書の末尾に記録しましょう。",
      "Pick a month for the review (say, every April) and record the date and the changes at the end of the document."),
    # 3. 組織のセキュリティ
    Q("organization-1",
      "個人情報の管理責任者を決めている。",
      "Someone has been named as responsible for managing personal information.",
      "個人情報の管理責任者を1人決め、従業員に知らせましょう（小さな会社では代表者でも構いません）。",
      "Name one person responsible for personal information and tell the staff (in a small business it may be the head)."),
    Q("organization-2",
      "誰が何を担当するか（パソコンの管理、名簿の保管、委託先とのやりとりなど）役割を決めている。",
      "You have decided who does what (looking after the PCs, keeping the lists, dealing with vendors).",
      "パソコン・名簿・委託先など担当ごとに担当者の名前を書いた一覧を作り、見える場所に置きましょう。",
      "Make a list with a name for each job (PCs, customer lists, vendors) and keep it where everyone can see it."),
    Q("organization-3",
      "外部の業者（配送、IT、データ入力、印刷など）と秘密保持や安全管理の契約を結んでいる。",
      "Your outside vendors (delivery, IT, data entry, printing) have signed confidentiality and data-protection terms.",
      "個人情報を渡している業者を書き出し、秘密保持・安全管理・事故時の連絡・作業後の返却や消去を契約書か覚書に入れましょう。",
      "List the vendors who get personal information and put confidentiality, safe handling, reporting of incidents and return or deletion after the job into a contract or memorandum."),
    Q("organization-4",
      "委託先が約束どおりに個人情報を管理しているか、定期的に確認している。",
      "You check regularly that vendors handle the personal information as agreed.",
      "年1回、委託先に管理状況のチェックシートを記入してもらうか訪問して確認し、結果を記録しましょう（漏えいの多くは委託先で起きています）。",
      "Once a year, have each vendor fill in a checklist or visit them, and keep the result (many leaks happen at vendors)."),
    # 4. 資産の分類及び管理
    Q("assets-1",
      "パソコン、USBメモリ、スマートフォン、サーバなど、情報を保存する機器を台帳で管理している。",
      "You keep a register of the devices that store information: PCs, USB sticks, smartphones, servers.",
      "機器ごとに種類・使う人・保存している情報・保管場所を書いた台帳を作り、増えたり捨てたりしたときに更新しましょう。",
      "Make a register with each device, its user, the information on it and where it is kept, and update it when you buy or discard one."),
    Q("assets-2",
      "情報を「秘密」「社内限り」「公開」など重要度で分け、それぞれの扱い方を決めている。",
      "You sort information by importance (secret, internal, public) and have decided how each is handled.",
      "「秘密（顧客名簿など）」「社内限り」「公開」の3つに分け、秘密は持ち出し禁止・施錠保管など扱い方を1枚にまとめましょう。",
      "Use three classes (secret: customer lists; internal; public) and write on one page how secret information is handled (locked away, never taken out)."),
    Q("assets-3",
      "重要な書類やファイルには、その区分がわかる表示（「秘」の印、フォルダ名など）をしている。",
      "Important papers and files are marked with their class (a 'confidential' stamp, the folder name).",
      "秘密の書類には「秘」の印を押し、データは「秘_」で始まるフォルダに入れるなど、見てわかる表示にしましょう。",
      "Stamp confidential papers and keep confidential files in clearly named folders, so anyone can see what they are."),
    Q("assets-4",
      "不要になった書類や機器は、シュレッダーやデータ消去ソフトなど、元に戻せない方法で捨てている。",
      "Papers and devices you no longer need are destroyed so nothing can be recovered (shredder, data-erasing software).",
      "書類はシュレッダーか溶解処理、パソコンやUSBメモリは消去ソフトか物理破壊で捨て、業者に頼むときは消去証明書をもらいましょう。",
      "Shred or pulp papers; wipe PCs and USB sticks with erasing software or destroy them; ask a disposal firm for a certificate."),
    # 5. 人的セキュリティ
    Q("personnel-1",
      "従業員（パート・アルバイト・派遣社員を含む）と秘密保持の誓約書を交わしている。",
      "Every employee, part-timers and agency staff included, has signed a confidentiality pledge.",
      "入社時と退職時に秘密保持の誓約書に署名してもらい、今いる人にもまとめて署名してもらいましょう。",
      "Have a confidentiality pledge signed when people join and leave, and have everyone now on the staff sign one."),
    Q("personnel-2",
      "個人情報の扱い方について、従業員に年1回以上教育をしている。",
      "You train the staff in handling personal information at least once a year.",
      "年1回、30分でよいので、実際の漏えい事例（誤送信、USBの紛失など）を使って説明し、出席を記録しましょう。",
      "Once a year, even for 30 minutes, go through real leak cases (a mis-sent e-mail, a lost USB stick) and record who attended."),
    Q("personnel-3",
      "退職する人から、鍵・社員証・資料を返してもらい、アカウントをすぐ止めている。",
      "When someone leaves, you get back keys, cards and papers, and stop their accounts at once.",
      "退職時のチェックリスト（鍵、社員証、貸与パソコン、資料、アカウント停止、誓約書）を作り、最終日に確認しましょう。",
      "Make a leaver's checklist (keys, card, laptop, papers, accounts stopped, pledge signed) and go through it on the last day."),
    Q("personnel-4",
      "事故やおかしなことに気づいたとき、すぐに報告する相手と方法を従業員全員が知っている。",
      "Everyone knows whom to tell, and how, the moment they notice an incident or something odd.",
      "「気づいたらすぐ○○さんへ電話」のように報告先と連絡方法を決め、事務所に貼り出しましょう。小さなことでも報告した人を責めないことが大切です。",
      "Decide whom to call the moment something happens and post it in the office; never blame someone for reporting."),
    # 6. 物理的及び環境的セキュリティ
    Q("physical-1",
      "個人情報のある事務所や部屋には、関係者以外が入れないようにしている（施錠、受付など）。",
      "Outsiders cannot enter the office or rooms where personal information is kept (locks, reception).",
      "名簿やパソコンのある部屋は不在時に施錠し、来客は受付で記帳して従業員が付き添うようにしましょう。",
      "Lock the rooms with lists and PCs when nobody is there, and have visitors sign in and be accompanied."),
    Q("physical-2",
      "顧客名簿などの書類を、鍵のかかるキャビネットに保管している。",
      "Customer lists and similar papers are kept in a locked cabinet.",
      "名簿や申込書は鍵付きキャビネットに入れ、鍵の保管者を決めて終業時に施錠しましょう。",
      "Keep lists and forms in a lockable cabinet, name who holds the key, and lock it at the end of the day."),
    Q("physical-3",
      "席を離れるとき、机の上に書類を出したままにせず、パソコンの画面をロックしている。",
      "Nobody leaves papers on the desk or an unlocked screen when they step away.",
      "パソコンは数分で自動ロックされるよう設定し、帰るときは机の上に書類を残さない（クリアデスク）ルールにしましょう。",
      "Set every PC to lock itself after a few minutes, and make a clear-desk rule for the end of the day."),
    Q("physical-4",
      "パソコンやUSBメモリ、書類を社外に持ち出すときのルール（許可、暗号化、紛失時の連絡）を決めている。",
      "You have rules for taking PCs, USB sticks or papers out of the office (permission, encryption, what to do if lost).",
      "持ち出しは許可制にして記録を残し、ノートパソコンとUSBメモリは暗号化し（パスワード付きUSBなど）、紛失時はすぐ連絡するルールにしましょう。",
      "Require permission and a record for taking things out, encrypt laptops and USB sticks, and have losses reported at once."),
    # 7. 通信及び運用管理
    Q("operations-1",
      "すべてのパソコンにウイルス対策ソフトを入れ、最新の状態にしている。",
      "Every PC has anti-virus software, kept up to date.",
      "すべてのパソコンでウイルス対策ソフトを有効にし、自動更新になっているか月に1回確認しましょう。",
      "Turn anti-virus on on every PC and check once a month that it updates itself."),
    Q("operations-2",
      "パソコンやソフトのセキュリティ更新（アップデート）を、出たらすぐに適用している。",
      "Security updates for PCs and software are installed as soon as they come out.",
      "OS・ブラウザ・業務ソフトの自動更新を有効にし、サポートが終わったソフトやパソコンは使わないようにしましょう。",
      "Turn on automatic updates for the operating system, browser and business software, and retire software and PCs that no longer get updates."),
    Q("operations-3",
      "大事なデータを定期的にバックアップし、実際に元に戻せるか試している。",
      "Important data is backed up regularly, and you have tried restoring it.",
      "週1回など決まった日にバックアップを取り、パソコンとは別の場所に保管し、年1回は実際に戻せるか試しましょう。",
      "Back up on a fixed day (say, weekly), keep the copy away from the PC, and try a restore once a year."),
    Q("operations-4",
      "メールやFAXを送る前に宛先を確認し、個人情報を送るときはパスワードや暗号化で守っている。",
      "Before sending an e-mail or fax you check the address, and personal information is sent protected (password, encryption).",
      "送信前に宛先を声に出して確認する、一斉送信はBCCを使う、個人情報は暗号化したファイルや安全な共有サービスで送る、を決まりにしましょう。",
      "Make it a rule to check the recipient before sending, use BCC for group mails, and send personal information only encrypted or through a secure sharing service."),
    # 8. アクセス制御
    Q("access-1",
      "一人一人に自分のID（アカウント）があり、共用のIDを使っていない。",
      "Everyone has their own account; nobody shares one.",
      "パソコンや業務システムのIDを一人一つにし、共用のIDは廃止しましょう。誰が操作したかがわかるようになります。",
      "Give each person their own account on the PCs and systems and retire shared ones, so you can tell who did what."),
    Q("access-2",
      "推測されにくいパスワードを使い、使い回しをしていない（できれば二要素認証を使っている）。",
      "Passwords are hard to guess and never reused (and two-factor sign-in is used where available).",
      "10文字以上で他と同じでないパスワードにし、メールやクラウドサービスは二要素認証（スマートフォンでの確認）を有効にしましょう。",
      "Use passwords of at least 10 characters, different for each service, and turn on two-factor sign-in for e-mail and cloud services."),
    Q("access-3",
      "顧客情報を見られる人を、仕事で必要な人だけに限っている。",
      "Only the people whose work needs it can see customer information.",
      "顧客名簿のフォルダやシステムに誰がアクセスできるか確認し、仕事で使わない人の権限を外しましょう。",
      "Check who can open the customer folders and systems, and remove access for anyone whose work does not need it."),
    Q("access-4",
      "退職や異動のとき、すぐにIDや権限を削除・変更し、定期的に不要なIDがないか確認している。",
      "When people leave or change jobs their accounts are removed or changed at once, and you check regularly for accounts nobody needs.",
      "退職・異動の日にIDを止める手順を決め、3か月に1回、使われていないIDがないか一覧で確認しましょう。",
      "Stop accounts on the day people leave or move, and every three months go through the list of accounts for unused ones."),
    # 9. システムの開発及びメンテナンス
    Q("development-1",
      "ホームページや業務システムを作る・変えるとき、最初にセキュリティの要件（暗号化、アクセス制限など）を決めている。",
      "When a website or business system is built or changed, security requirements (encryption, access limits) are set first.",
      "システムやホームページを発注するとき、「個人情報は暗号化」「管理画面はID・パスワードで保護」などの要件を発注書に書きましょう。",
      "When you order a system or website, write the security requirements into the order (personal data encrypted, admin pages protected)."),
    Q("development-2",
      "ホームページの問い合わせフォームなど、個人情報を送る部分は暗号化（https）している。",
      "The parts of your website that send personal information (contact forms) are encrypted (https).",
      "ホームページ全体をhttps（鍵のマーク）にし、問い合わせフォームの送信先も確認しましょう。制作会社に頼めば多くは費用をかけずにできます。",
      "Put the whole website on https (the padlock) and check where contact forms send their data; your web company can usually do it at little cost."),
    Q("development-3",
      "システムやホームページの作成・保守を業者に任せるとき、契約で個人情報の扱いと秘密保持を決めている。",
      "When a vendor builds or maintains your systems or website, the contract covers personal information and confidentiality.",
      "保守業者との契約に、個人情報へのアクセスは必要な範囲だけ、秘密保持、作業記録、事故時の連絡を入れましょう。",
      "Put into the maintenance contract: access to personal data only as needed, confidentiality, a record of work done, and reporting of incidents."),
    Q("development-4",
      "本物のお客様データを、テストや練習に使っていない（使うときは名前などを消している）。",
      "Real customer data is not used for testing or training (or names and the like are removed first).",
      "テストには架空のデータを使い、どうしても本物を使うときは氏名・連絡先を消してから使いましょう。",
      "Test with made-up data; if real data must be used, remove names and contact details first."),
    # 10. 事業継続管理
    Q("continuity-1",
      "漏えい、ウイルス感染、パソコンの故障などが起きたときの対応手順（連絡先、最初にすること）を決めている。",
      "You have written down what to do when a leak, a virus or a broken PC happens (whom to call, what to do first).",
      "「ネットワークから外す」「責任者に連絡」「記録を残す」など、最初の1時間にすることを1枚の手順書にしましょう。",
      "Write one page of what to do in the first hour: disconnect from the network, call the person responsible, keep a record."),
    Q("continuity-2",
      "漏えい時に連絡する先（保険会社・代理店、警察、個人情報保護委員会、取引先など）の一覧がある。",
      "You have a list of whom to contact after a leak (the insurer or agent, the police, the Commission, business partners).",
      "保険の代理店・保険会社（事故の通知には期限があります）、警察、個人情報保護委員会、主な取引先の連絡先を一覧にし、紙でも保管しましょう。",
      "List the contacts of your insurance agent and insurer (notice of an incident has a deadline), the police, the Commission and key partners, and keep a paper copy."),
    Q("continuity-3",
      "火事や地震でパソコンや事務所が使えなくなっても、バックアップから業務を再開できるようにしている。",
      "If a fire or an earthquake puts your PCs or office out of use, you can restart the business from backups.",
      "バックアップの1つは事務所の外（クラウドや別の拠点）に置き、どの業務から再開するか順番を決めておきましょう。",
      "Keep one backup outside the office (cloud or another site) and decide in which order you restart your work."),
    Q("continuity-4",
      "事故対応の手順を、訓練や机上の練習で確かめている。",
      "You have tried out the incident procedure in a drill or a table-top exercise.",
      "年1回、「顧客名簿の入ったUSBメモリを紛失した」などの想定で、誰が何をするかを話し合う練習をしましょう。",
      "Once a year, talk through a scenario such as 'a USB stick with the customer list was lost': who does what, and when."),
    # 11. 適合性
    Q("compliance-1",
      "自社に関係する法律やルール（個人情報保護法、業界のガイドライン、マイナンバーの扱いなど）を確認している。",
      "You know the laws and rules that apply to you (the Personal Information Protection Act, your industry's guidelines, My Number handling).",
      "個人情報保護委員会の中小企業向け資料や業界団体のガイドラインを読み、自社に当てはまる点をメモしましょう。商工会の相談窓口も利用できます。",
      "Read the Commission's material for small businesses and your industry's guidelines and note what applies to you; your chamber of commerce can help."),
    Q("compliance-2",
      "社内のルールが守られているか、定期的に点検（自己点検や内部監査）している。",
      "You check regularly that your own rules are followed (self-inspection or internal audit).",
      "このリスク診断の項目を使って、年1回自己点検をしましょう。前回との比較で改善が見えます。",
      "Use the questions of this diagnosis for a yearly self-inspection; the comparison with the last one shows your progress."),
    Q("compliance-3",
      "点検で見つかった問題を直し、直ったことを確認している。",
      "Problems found in a check are fixed, and you confirm they were fixed.",
      "見つかった問題ごとに担当者と期限を決めた一覧を作り、期限に直ったか確認しましょう。",
      "Keep a list of the problems found with a person and a date for each, and check on the date that they are fixed."),
    Q("compliance-4",
      "ソフトウェアのライセンスや、取引先との契約で約束した情報の扱いを守っている。",
      "You respect software licences and what your contracts promise about handling information.",
      "使っているソフトのライセンス数と契約書の情報管理の条項を確認し、守れていない点を直しましょう。",
      "Check your software licences and the information-handling clauses of your contracts, and correct what is not being followed."),
)
del Q

QUESTION_BY_ID = {q.id: q for q in QUESTIONS}
AREA_BY_CODE = {a.code: a for a in AREAS}

BANDS = (  # band, lowest score, Japanese, English
    ("high_risk", 0, "リスク高", "High risk"),
    ("needs_work", 40, "要改善", "Needs work"),
    ("good", 70, "良好", "Good"),
)

COMMENTS = {  # area -> band -> (Japanese, English)
    "appi": {
        "high_risk": ("個人情報保護法で求められる基本的な対応がまだできていません。漏えい時には委員会への報告や本人通知が義務となる場合があり、対応が遅れると賠償や信用の損失が大きくなります。まず保有する個人情報の把握から始めましょう。",
                      "The basics the Personal Information Protection Act asks for are not in place yet. A leak may have to be reported to the Commission and the people told; a slow response makes damages and lost trust worse. Start by finding out what personal information you hold."),
        "needs_work": ("法律への対応は始まっていますが、抜けがあります。利用目的の通知、委託先の管理、漏えい時の報告の流れを確認しましょう。",
                       "You have started on the Act, but there are gaps: check how you state the purpose of use, how vendors are managed and how a leak would be reported."),
        "good": ("個人情報保護法への対応はよくできています。法改正（報告義務など）に合わせて見直しを続けましょう。",
                 "You handle the Act well. Keep reviewing as the law changes (such as the duty to report leaks)."),
    },
    "policy": {
        "high_risk": ("会社としての情報セキュリティの方針がありません。方針がないと従業員が何を守ればよいかわからず、対策がばらばらになります。",
                      "There is no company policy on information security; without one the staff do not know what to protect and measures stay scattered."),
        "needs_work": ("方針はありますが、全員への周知や見直しが十分ではありません。",
                       "There is a policy, but it has not reached everyone or is not reviewed."),
        "good": ("方針が定められ、周知されています。定期的な見直しを続けましょう。",
                 "Your policy is set and known. Keep reviewing it regularly."),
    },
    "organization": {
        "high_risk": ("責任者や役割、委託先との約束が決まっていません。漏えいの多くは委託先や担当が曖昧なところで起きています。",
                      "Nobody is responsible, roles are unclear and vendors have not promised anything; many leaks happen exactly there."),
        "needs_work": ("体制はできつつありますが、委託先の管理に弱い点があります。契約と定期的な確認を進めましょう。",
                       "The organisation is taking shape, but vendor management is weak: get contracts in place and check on vendors."),
        "good": ("管理の体制と委託先の管理ができています。",
                 "Responsibilities and vendor management are in place."),
    },
    "assets": {
        "high_risk": ("どこにどんな情報や機器があるか把握できていません。把握していないものは守れず、紛失にも気づけません。",
                      "You do not know what information and devices you have and where; you cannot protect, or miss, what you do not know about."),
        "needs_work": ("台帳や分類はありますが、表示や廃棄の方法に改善の余地があります。",
                       "There is a register or a classification, but marking and disposal can be improved."),
        "good": ("情報と機器の管理ができています。台帳を最新に保ちましょう。",
                 "Information and devices are well managed. Keep the register current."),
    },
    "personnel": {
        "high_risk": ("従業員との約束や教育がほとんどできていません。漏えいの多くは人のうっかりや持ち出しから起きます。",
                      "There are hardly any pledges or training; most leaks start with a person's slip or with data taken away."),
        "needs_work": ("誓約書や教育はありますが、継続や退職時の手続きに弱い点があります。",
                       "Pledges or training exist, but they lapse or the leaving procedure is weak."),
        "good": ("従業員への対策はよくできています。教育を毎年続けましょう。",
                 "Staff measures are good. Keep training every year."),
    },
    "physical": {
        "high_risk": ("事務所や書類、持ち出しの管理が不十分です。盗難や紛失、置き忘れが起きやすい状態です。",
                      "Offices, papers and what is taken out are not protected; theft, loss and things left behind are likely."),
        "needs_work": ("施錠などの基本はありますが、持ち出しや画面ロックのルールを強めましょう。",
                       "The basics such as locks are there; tighten the rules for taking things out and locking screens."),
        "good": ("物理的な対策はよくできています。",
                 "Physical protection is good."),
    },
    "operations": {
        "high_risk": ("ウイルス対策や更新、バックアップが不十分です。ウイルス感染やメールの誤送信がすぐに漏えいにつながります。",
                      "Anti-virus, updates and backups are lacking; a virus or a mis-sent e-mail can turn into a leak at once."),
        "needs_work": ("基本的な対策はありますが、更新の徹底、バックアップの確認、メール送信のルールに改善の余地があります。",
                       "Basic measures exist; updates, tested backups and e-mail rules can be improved."),
        "good": ("日々の運用の対策はよくできています。",
                 "Day-to-day operations are well protected."),
    },
    "access": {
        "high_risk": ("誰が情報を見られるかの管理ができていません。共用IDや弱いパスワードは不正アクセスや内部からの持ち出しを招きます。",
                      "Who can see information is not controlled; shared accounts and weak passwords invite break-ins and insiders taking data."),
        "needs_work": ("IDやパスワードの管理は始まっていますが、権限の見直しや二要素認証を進めましょう。",
                       "Accounts and passwords are partly managed; review access rights and turn on two-factor sign-in."),
        "good": ("アクセスの管理はよくできています。定期的な見直しを続けましょう。",
                 "Access control is good. Keep reviewing it."),
    },
    "development": {
        "high_risk": ("ホームページやシステムのセキュリティが考慮されていません。フォームの暗号化や保守業者との契約を確認しましょう。",
                      "Security is not considered in your website and systems; check form encryption and the contracts with maintenance vendors."),
        "needs_work": ("一部の対策はありますが、発注時の要件や保守契約に改善の余地があります。",
                       "Some measures exist; requirements when ordering and maintenance contracts can be improved."),
        "good": ("システムとホームページの対策はよくできています。",
                 "Your systems and website are well protected."),
    },
    "continuity": {
        "high_risk": ("事故が起きたときの手順や連絡先が決まっていません。初動が遅れると被害と費用が大きくなり、保険会社への通知などの期限を逃すおそれもあります。",
                      "There is no procedure or contact list for an incident; a slow first response makes damage and costs grow and deadlines such as the notice to the insurer can be missed."),
        "needs_work": ("手順や連絡先はありますが、訓練や事務所外のバックアップが不十分です。",
                       "There is a procedure or a contact list, but no drills or off-site backups."),
        "good": ("事故への備えはよくできています。訓練を続けましょう。",
                 "You are well prepared for incidents. Keep practising."),
    },
    "compliance": {
        "high_risk": ("法律やルールの確認と点検ができていません。ルールがあっても守られているか分からない状態です。",
                      "Laws and rules are not checked and nothing is inspected; you cannot tell whether your own rules are followed."),
        "needs_work": ("点検は始まっていますが、見つかった問題の改善と確認を続けましょう。",
                       "Checks have started; keep fixing what they find and confirm the fixes."),
        "good": ("法令やルールの遵守と点検はよくできています。",
                 "Compliance and inspections are good."),
    },
}


def text(item: Any, lang: str) -> str:
    """An area, question or band name, or a (Japanese, English) pair, in ``lang`` ("ja"/"en",
    or a locale such as "ja_JP"; English for any other)."""
    japanese = str(lang).lower().startswith("ja")
    if isinstance(item, tuple):
        return item[0] if japanese else item[1]
    return item.ja if japanese else item.en


def scale_label(value: int, lang: str) -> str:
    return text(SCALE[value][1:], lang)


def band_label(band_code: str, lang: str) -> str:
    return text(next(b[2:] for b in BANDS if b[0] == band_code), lang)


def next_step(question: str, lang: str) -> str:
    q = QUESTION_BY_ID[question]
    return text((q.step_ja, q.step_en), lang)


def comment(area: str, band_code: str, lang: str) -> str:
    return text(COMMENTS[area][band_code], lang)


# -- scores -------------------------------------------------------------------------------------


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, for numbers ≥ 0, in integers only."""
    return (2 * numerator + denominator) // (2 * denominator)


def area_score(values: list[int]) -> int:
    """round(100 × mean(values) / 4), half up: (200·sum + 4n) // 8n."""
    n = len(values)
    if not n:
        raise ValueError("an area without answers has no score")
    return (200 * sum(values) + 4 * n) // (8 * n)


def overall_score(area_scores: list[int]) -> int:
    """The mean of the area scores, rounded half up."""
    return round_half_up(sum(area_scores), len(area_scores))


def band(score: int) -> str:
    """0-39 high risk, 40-69 needs work, 70-100 good."""
    return next(code for code, low, _ja, _en in reversed(BANDS) if score >= low)


def scores(areas: list[str], answers: Mapping[str, int], questions: list[str]) -> tuple[dict[str, int], int] | None:
    """Each area's score (area -> score, in the order of ``areas``) and the overall score; None
    while a question is unanswered."""
    if any(q not in answers for q in questions):
        return None
    per_area = {a: area_score([answers[q] for q in questions if area_of(q) == a]) for a in areas}
    return per_area, overall_score(list(per_area.values()))


# -- what the service returns ------------------------------------------------------------------


@dataclass(frozen=True)
class DiagnosisView:
    business: str
    number: int
    questionnaire: str
    started_at: dt.datetime
    started_by: str
    answers: dict[str, int]
    questions: tuple[str, ...]
    areas: tuple[str, ...]
    completed_at: dt.datetime | None
    area_scores: tuple[int, ...] | None
    overall: int | None

    @property
    def complete(self) -> bool:
        return self.overall is not None

    @property
    def unanswered(self) -> tuple[str, ...]:
        return tuple(q for q in self.questions if q not in self.answers)


@dataclass(frozen=True)
class AreaReport:
    area: str
    score: int
    band: str
    previous: int | None  # the score of the previous completed diagnosis, if there is one
    next_steps: tuple[str, ...]  # question ids: the weakest answers, lowest first


@dataclass(frozen=True)
class Report:
    """個人情報管理リスク評価報告書: one completed diagnosis and the one before it."""

    business: str
    business_name: str
    number: int
    completed_at: dt.datetime
    overall: int
    band: str
    areas: tuple[AreaReport, ...]
    answers: dict[str, int]
    previous_number: int | None
    previous_completed_at: dt.datetime | None
    previous_overall: int | None

    def as_json(self) -> dict[str, Any]:
        return {
            "business": self.business, "number": self.number, "completed_at": self.completed_at.isoformat(),
            "overall": self.overall, "band": self.band,
            "areas": [{"area": a.area, "score": a.score, "band": a.band, "previous": a.previous,
                       "next_steps": list(a.next_steps)} for a in self.areas],
            "previous": None if self.previous_number is None else {
                "number": self.previous_number, "completed_at": self.previous_completed_at.isoformat()
                if self.previous_completed_at else None, "overall": self.previous_overall},
        }


@dataclass(frozen=True)
class BusinessDiagnoses:
    """One row of the staff overview: a business and its latest diagnoses."""

    business: str
    name: str
    taken: int  # diagnoses started
    in_progress: int | None  # the number of the one in progress
    latest: int | None  # the number of the latest completed one
    completed_at: dt.datetime | None
    overall: int | None
    area_scores: tuple[int, ...] | None


@dataclass(frozen=True)
class Overview:
    """What staff see: their businesses' diagnoses and, per area, how many businesses' latest
    completed diagnosis falls in each band."""

    rows: tuple[BusinessDiagnoses, ...]
    distribution: dict[str, dict[str, int]]  # area -> band -> businesses
    overall_distribution: dict[str, int]  # band -> businesses


def next_steps(areas: list[str], questions: list[str], answers: Mapping[str, int], area: str) -> tuple[str, ...]:
    """The area's weakest answers (below 4), lowest first then in question order, at most NEXT_STEPS,
    limited to questions this revision of the questionnaire has a next step for."""
    weak = [(answers[q], n, q) for n, q in enumerate(questions)
            if area_of(q) == area and answers.get(q, 4) < 4 and q in QUESTION_BY_ID]
    return tuple(q for _v, _n, q in sorted(weak)[:NEXT_STEPS])


# -- the service ------------------------------------------------------------------------------------


class DiagnosisService:
    """Risk diagnoses on the application's own store (the cipher key covers them too)."""

    def __init__(self, app: Application, service: CaseService, clock: Clock):
        self.app = app
        self._service = service  # for the policies an actor may see (staff: the businesses in their programmes)
        self.clock = clock

    # -- commands ------------------------------------------------------------------------------

    def start(self, actor: Actor, business: str) -> DiagnosisView:
        """A new diagnosis for the business; the one in progress when there is one."""
        def attempt() -> DiagnosisView:
            self._check_access(actor, business)
            found = self._latest(business)
            if found is not None and not found.complete:
                return _view(found)
            diagnosis = self._new(actor, business, (found.number if found else 0) + 1)
            self.app.save(diagnosis)
            return _view(diagnosis)

        return self._retrying(attempt)

    def answer(self, actor: Actor, business: str, answers: Any, complete: bool = False,
               number: int | None = None) -> DiagnosisView:
        """Record answers (question id -> 0..4) on the diagnosis in progress (started here when
        there is none; ``number``, when given, must be the one in progress) and, with
        ``complete``, complete it. All or nothing: a refused answer or completion stores nothing."""
        if not isinstance(answers, Mapping):
            raise DomainError(Text("must be an object of question id to answer (0 to 4)"), "answers")

        def attempt() -> DiagnosisView:
            self._check_access(actor, business)
            diagnosis = self._latest(business)
            if number is not None and (diagnosis is None or diagnosis.number != number or diagnosis.complete):
                if diagnosis is None or not 1 <= number <= diagnosis.number:
                    raise NotFound(Text("no diagnosis {number} of business {business}",
                                        number=number, business=business), "number")
                raise DomainError(Text("diagnosis {number} of {business} is complete; start a new one to answer again",
                                       number=number, business=business), "answers")
            if diagnosis is None or diagnosis.complete:
                diagnosis = self._new(actor, business, (diagnosis.number if diagnosis else 0) + 1)
            now = self.clock.now()
            diagnosis.answer(answers, actor, now)
            if complete:
                self._finish(diagnosis, actor, now)
            if diagnosis.pending_events:
                self.app.save(diagnosis)
            return _view(diagnosis)

        return self._retrying(attempt)

    def complete(self, actor: Actor, business: str, number: int) -> DiagnosisView:
        return self.answer(actor, business, {}, complete=True, number=number)

    # -- queries -----------------------------------------------------------------------------------

    def diagnoses(self, actor: Actor, business: str) -> list[DiagnosisView]:
        """Every diagnosis of the business, the first first."""
        self._check_access(actor, business)
        return [_view(d) for d in self._all_of(business)]

    def diagnosis(self, actor: Actor, business: str, number: int) -> DiagnosisView:
        self._check_access(actor, business)
        return _view(self._one(business, number))

    def business_name(self, actor: Actor, business: str) -> str:
        self._check_access(actor, business)
        found = self._business(business)
        return found.name if found is not None else business

    def report(self, actor: Actor, business: str, number: int | None = None) -> Report:
        """The report of a completed diagnosis (the latest completed one by default), with the
        previous completed one of the same business overlaid. No report before completion."""
        self._check_access(actor, business)
        every = self._all_of(business)
        done = [d for d in every if d.complete]
        if number is None:
            if not done:
                raise NotFound(Text("business {business} has no completed diagnosis yet", business=business), "number")
            chosen = done[-1]
        else:
            chosen = self._one(business, number, every)
            if not chosen.complete:
                missing = len(chosen.unanswered())
                raise DomainError(Text("diagnosis {number} of {business} is not complete ({missing} questions "
                                       "unanswered): no score until every question is answered",
                                       number=number, business=business, missing=missing), "number")
        before = [d for d in done if d.number < chosen.number]
        previous = before[-1] if before else None
        previous_by_area = previous.area_scores if previous else {}
        areas = tuple(
            AreaReport(area, chosen.area_scores[area], band(chosen.area_scores[area]), previous_by_area.get(area),
                       next_steps(chosen.areas, chosen.questions, chosen.answers, area))
            for area in chosen.areas)
        found = self._business(business)
        return Report(
            business, found.name if found is not None else business, chosen.number, chosen.completed_at,
            chosen.overall, band(chosen.overall), areas, dict(chosen.answers),
            previous.number if previous else None, previous.completed_at if previous else None,
            previous.overall if previous else None,
        )

    def overview(self, actor: Actor) -> Overview:
        """For staff (their programmes' businesses), admins and the console (every business):
        each business that took a diagnosis, its latest completed scores, and the businesses
        counted by band per area. Read from the ``Started`` and ``Completed`` events in the
        notification log (no diagnosis is replayed)."""
        if actor.role not in ("staff",) + SEES_ALL:
            raise NotFound(Text("no diagnoses here"), "role")
        started: dict[str, list[int]] = {}
        latest: dict[str, Any] = {}  # business -> its latest Completed event
        for event in self._events((Diagnosis.Started, Diagnosis.Completed)):
            if isinstance(event, Diagnosis.Started):
                started.setdefault(event.business, []).append(event.number)
            elif event.number > getattr(latest.get(event.business), "number", 0):
                latest[event.business] = event
        rows = []
        distribution = {a.code: {code: 0 for code, *_ in BANDS} for a in AREAS}
        overall_distribution = {code: 0 for code, *_ in BANDS}
        for code in sorted(b for b in started if self._may_see(actor, b)):
            found = self._business(code)
            last, done = max(started[code]), latest.get(code)
            rows.append(BusinessDiagnoses(
                code, found.name if found is not None else code, len(started[code]),
                last if done is None or last != done.number else None, done.number if done else None,
                done.timestamp if done else None, done.overall if done else None,
                tuple(done.area_scores.get(a.code) for a in AREAS) if done else None))
            if done:
                overall_distribution[band(done.overall)] += 1
                for area, score in done.area_scores.items():
                    if area in distribution:
                        distribution[area][band(score)] += 1
        return Overview(tuple(rows), distribution, overall_distribution)

    # -- access ----------------------------------------------------------------------------------------

    def _may_see(self, actor: Actor, business: str) -> bool:
        if not isinstance(business, str) or not business:
            return False
        if actor.role in SEES_ALL:
            return self._business(business) is not None
        if actor.role == "insured":
            return actor.business == business
        if actor.role == "staff":  # a policy of that business in one of their programmes
            return bool(self._service.policies(actor, businesses=(business,)))
        return False

    def _check_access(self, actor: Actor, business: str) -> None:
        if not self._may_see(actor, business):
            raise NotFound(Text("no business {business:.80}", business=repr(business)), "business")

    # -- internals ------------------------------------------------------------------------------------

    def _new(self, actor: Actor, business: str, number: int) -> Diagnosis:
        return Diagnosis.start(business, number, QUESTIONNAIRE, [a.code for a in AREAS],
                               [q.id for q in QUESTIONS], actor, self.clock.now())

    @staticmethod
    def _finish(diagnosis: Diagnosis, actor: Actor, now: dt.datetime) -> None:
        result = scores(diagnosis.areas, diagnosis.answers, diagnosis.questions)
        per_area, overall = result if result is not None else ({}, 0)
        diagnosis.finish(per_area, overall, actor, now)  # refuses while a question is unanswered

    def _get(self, business: str, number: int) -> Diagnosis | None:
        try:
            found = self.app.repository.get(diagnosis_id(business, number))
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, Diagnosis) else None

    def _count(self, business: str) -> int:
        """How many diagnoses the business has started (they are numbered 1, 2, …)."""
        n = 0
        while self.app.recorder.select_events(diagnosis_id(business, n + 1), limit=1):
            n += 1
        return n

    def _latest(self, business: str) -> Diagnosis | None:
        n = self._count(business)
        return self._get(business, n) if n else None

    def _all_of(self, business: str) -> list[Diagnosis]:
        return [d for d in (self._get(business, n) for n in range(1, self._count(business) + 1)) if d]

    def _one(self, business: str, number: Any, every: list[Diagnosis] | None = None) -> Diagnosis:
        found = None
        if isinstance(number, int) and not isinstance(number, bool) and 1 <= number <= 10**6:
            found = (next((d for d in every if d.number == number), None) if every is not None
                     else self._get(business, number))
        if found is None:
            raise NotFound(Text("no diagnosis {number:.20} of business {business}",
                                number=repr(number), business=business), "number")
        return found

    def _business(self, code: str) -> Business | None:
        try:
            found = self.app.repository.get(business_id(code))
        except (AggregateNotFoundError, ValueError):
            return None
        return found if isinstance(found, Business) else None

    def _events(self, kinds: tuple[type, ...]) -> Iterator[Any]:
        """The events of those kinds, in the order they were stored, a page at a time."""
        topics = [get_topic(k) for k in kinds]
        start = 1
        while True:
            page = self.app.recorder.select_notifications(start, PAGE, topics=topics)
            for notification in page:
                yield self.app.mapper.to_domain_event(notification)
            if len(page) < PAGE:
                return
            start = page[-1].id + 1

    def _retrying(self, attempt: Callable[[], T]) -> T:
        """Run ``attempt`` again while a conflicting write (someone answering or starting at the
        same moment) makes it fail; nothing of a failed attempt is stored."""
        for n in range(RETRIES):
            try:
                return attempt()
            except IntegrityError:
                time.sleep(random.uniform(0, 0.005 * 2**n))
        raise ConcurrentUpdate(Text("the diagnosis kept changing under {retries} attempts; nothing was stored",
                                    retries=RETRIES), None)


def _view(d: Diagnosis) -> DiagnosisView:
    return DiagnosisView(
        d.business, d.number, d.questionnaire, d.created_on, d.started_by, dict(d.answers), tuple(d.questions),
        tuple(d.areas), d.completed_at,
        tuple(d.area_scores[a] for a in d.areas) if d.area_scores is not None else None, d.overall,
    )


# -- the radar chart's geometry (the page's SVG and the PDF draw the same) ---------------------------


def radar_point(index: int, count: int, score: float, cx: float, cy: float, radius: float) -> tuple[float, float]:
    """Where a score (0 at the centre, 100 on the rim: outer = safer) of the ``index``-th of
    ``count`` axes lies; the first axis points up, the others follow clockwise."""
    angle = -math.pi / 2 + 2 * math.pi * index / count
    r = radius * score / 100
    return (round(cx + r * math.cos(angle), 2), round(cy + r * math.sin(angle), 2))


def radar_polygon(values: list[int], cx: float, cy: float, radius: float) -> list[tuple[float, float]]:
    return [radar_point(i, len(values), v, cx, cy, radius) for i, v in enumerate(values)]
