"""The Shuozhou demo (DESIGN §7): organisations, people, sessions and proposals for `manage.py seed_demo`.

The texts follow the city committee's 2023 year review (shared/seed-article-zh.txt): the figures it reports
(2500余名青少年, 35所中小学, 1149名学子, 2271名大学生, 134725名志愿者 ...) reappear in the proposals' reasons
and research findings. Survey figures beyond the article are invented for the demo.

Only data lives here; demo.seeder turns it into rows through proposals.services.
"""

from __future__ import annotations

from dataclasses import dataclass

EMAIL_DOMAIN = "demo.shuozhou.example"

# --- Organisations ------------------------------------------------------------------------------------

# Shuozhou's League committee and the province committee above it (#18): the demo's tree has four levels.
PROVINCE = ("province", "共青团山西省委", "山西省")
CITY = ("city", "共青团朔州市委", "朔州市")

# key -> (name, region), in the official order of Shuozhou's districts and counties
COUNTIES: dict[str, tuple[str, str]] = {
    "shuocheng": ("共青团朔城区委", "朔城区"),
    "pinglu": ("共青团平鲁区委", "平鲁区"),
    "shanyin": ("共青团山阴县委", "山阴县"),
    "yingxian": ("共青团应县委", "应县"),
    "youyu": ("共青团右玉县委", "右玉县"),
    "huairen": ("共青团怀仁市委", "怀仁市"),
}

# key -> (name, county key)
BRANCHES: dict[str, tuple[str, str]] = {
    "taoci": ("怀仁市陶瓷e镇团工委", "huairen"),
    "hongwen": ("怀仁市弘文中学团委", "huairen"),
    "yuhong": ("怀仁市峪宏中学团委", "huairen"),
    "shizhuan": ("朔州师范高等专科学校团委", "shuocheng"),
    "xingan": ("朔城区兴安学校团委", "shuocheng"),
    "qingqi": ("朔州市青年企业家协会团支部", "shuocheng"),
    "qiming": ("平鲁区启明实验学校团委", "pinglu"),
    "jingping": ("平鲁区井坪镇团委", "pinglu"),
    "beizhouzhuang": ("山阴县北周庄小学少先队", "shanyin"),
    "gucheng": ("山阴县古城镇团委", "shanyin"),
    "yingzhi": ("应县职业中学团委", "yingxian"),
    "jincheng": ("应县金城镇团委", "yingxian"),
    "mingde": ("右玉县城镇明德小学团支部", "youyu"),
    "youyu_volunteers": ("右玉县青年志愿者协会团支部", "youyu"),
}

# --- People -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    """A demo login: printed at the end of seeding, with the demo password."""

    username: str
    last_name: str
    first_name: str
    role: str  # User.Role value
    org: str = ""  # "province", "city", a county key or a branch key
    body: str = ""  # for delegates: "npc" or "cppcc"
    constituency: str = ""
    role_zh: str = ""
    role_en: str = ""


LOGINS: tuple[Login, ...] = (
    Login("demo-admin", "郭", "晓峰", "admin", role_zh="管理员", role_en="admin"),
    Login("demo-coordinator", "王", "丽娟", "coordinator", org="city", role_zh="协调员", role_en="coordinator"),
    Login("demo-province", "赵", "明远", "coordinator", org="province", role_zh="省级协调员",
          role_en="province coordinator"),
    Login("demo-secretary", "李", "婷", "secretary", org="taoci", role_zh="秘书", role_en="secretary"),
    Login("demo-secretary2", "张", "宇航", "secretary", org="qiming", role_zh="秘书", role_en="secretary"),
    Login("demo-delegate", "刘", "振华", "delegate", body="npc", constituency="怀仁市选区",
          role_zh="人大代表", role_en="NPC deputy"),
    Login("demo-delegate2", "高", "静", "delegate", body="cppcc", constituency="共青团和青联界别",
          role_zh="政协委员", role_en="CPPCC member"),
)  # fmt: skip

# Coordinators of the county committees: username -> (last name, first name, county key).
COUNTY_COORDINATORS: dict[str, tuple[str, str, str]] = {
    "chensiyuan": ("陈", "思远", "shuocheng"),
    "yangxiaohui": ("杨", "晓慧", "pinglu"),
    "zhaolei": ("赵", "磊", "shanyin"),
    "mengjia": ("孟", "佳", "yingxian"),
    "niuwentao": ("牛", "文涛", "youyu"),
    "renxiaomin": ("任", "晓敏", "huairen"),
}

# Secretaries of the branches without a demo login: username -> (last name, first name, branch key).
BRANCH_SECRETARIES: dict[str, tuple[str, str, str]] = {
    "huojiaqi": ("霍", "佳琪", "hongwen"),
    "wupeng": ("武", "鹏", "yuhong"),
    "yanyanan": ("闫", "雅楠", "shizhuan"),
    "kangle": ("康", "乐", "xingan"),
    "xuefeng": ("薛", "峰", "qingqi"),
    "hedan": ("贺", "丹", "jingping"),
    "shangxiaoyu": ("尚", "小雨", "beizhouzhuang"),
    "liangchao": ("梁", "超", "gucheng"),
    "qiaojing": ("乔", "婧", "yingzhi"),
    "xingyu": ("邢", "宇", "jincheng"),
    "fanyue": ("范", "悦", "mingde"),
    "shilei": ("石", "磊", "youyu_volunteers"),
}

# Delegates without a demo login: username -> (last name, first name, constituency or sector).
CITY_NPC_DEPUTIES: dict[str, tuple[str, str, str]] = {
    "wanghaiyan": ("王", "海燕", "朔城区选区"),
    "lizhiqiang": ("李", "志强", "平鲁区选区"),
    "zhangxiaodong": ("张", "晓东", "山阴县选区"),
    "zhaoliping": ("赵", "丽萍", "应县选区"),
    "sunguoqing": ("孙", "国庆", "右玉县选区"),
    "zhouwenbin": ("周", "文斌", "怀仁市选区"),
    "wuchunmei": ("吴", "春梅", "朔城区选区"),
    "zhengjianjun": ("郑", "建军", "平鲁区选区"),
    "fengxue": ("冯", "雪", "朔州市直机关选区"),
    "chenlixin": ("陈", "立新", "怀仁市选区"),
    "chuhongxia": ("褚", "红霞", "山阴县选区"),
    "weipengfei": ("卫", "鹏飞", "应县选区"),
    "jiangyulan": ("蒋", "玉兰", "右玉县选区"),
    "hanyonggang": ("韩", "永刚", "朔城区选区"),
}
CITY_CPPCC_MEMBERS: dict[str, tuple[str, str, str]] = {
    "yangfan": ("杨", "帆", "教育界"),
    "qinhuimin": ("秦", "慧敏", "医药卫生界"),
    "xuwenhua": ("许", "文华", "经济界"),
    "hezhiyuan": ("何", "志远", "社会福利和社会保障界"),
    "lvxiaoyan": ("吕", "晓燕", "妇联界别"),
    "shizhenyu": ("施", "振宇", "科学技术界"),
    "caoli": ("曹", "丽", "文化艺术界"),
}
# Deputies to the people's congress of 怀仁市 (county level).
HUAIREN_NPC_DEPUTIES: dict[str, tuple[str, str, str]] = {
    "baixiaojun": ("白", "晓军", "云中镇选区"),
    "mahongmei": ("马", "红梅", "金沙滩镇选区"),
    "tianzhigang": ("田", "志刚", "毛家皂镇选区"),
    "duanlijuan": ("段", "丽娟", "何家堡乡选区"),
    "wenjianping": ("温", "建平", "海北头乡选区"),
}

# --- Sessions -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionSpec:
    body: str
    level: str
    region: str
    name: str
    opening_in_days: int  # relative to today; negative is in the past
    deadline_days_before_opening: int = 5  # the submission deadline: this many days before the opening, 18:00
    closing_days_after_opening: int = 5


SESSIONS: dict[str, SessionSpec] = {
    "npc": SessionSpec("npc", "city", "朔州市", "朔州市第五届人民代表大会第四次会议", 60),
    "cppcc": SessionSpec("cppcc", "city", "朔州市", "政协朔州市第五届委员会第四次会议", 59),
    "npc_last": SessionSpec("npc", "city", "朔州市", "朔州市第五届人民代表大会第三次会议", -300),
    "cppcc_last": SessionSpec("cppcc", "city", "朔州市", "政协朔州市第五届委员会第三次会议", -301),
    # Opens in four days; its submission deadline passed three days ago. Only a finalised proposal is left
    # for it, one that missed the deadline (the demo's case of the submission-deadline guard).
    "huairen": SessionSpec("npc", "county", "怀仁市", "怀仁市第二届人民代表大会第四次会议", 4,
                           deadline_days_before_opening=7, closing_days_after_opening=3),
    # The province's congress, where a city's unresolved problem goes next (#18): open for drafts, none yet.
    "npc_province": SessionSpec("npc", "province", "山西省", "山西省第十四届人民代表大会第五次会议", 45,
                                deadline_days_before_opening=10, closing_days_after_opening=6),
}  # fmt: skip

# --- Handling units (承办单位) ---------------------------------------------------------------------------

# Mail to the units goes nowhere: .example is reserved for examples (RFC 2606), as the demo people's domain.
UNIT_EMAIL_DOMAIN = "gov.shuozhou.example"


@dataclass(frozen=True)
class UnitSpec:
    """A handling unit of the directory. The contact people, phone numbers and addresses are invented."""

    name: str
    short_name: str
    contact: tuple[str, str, str]  # (last name, first name, office) of whoever handles deputies' suggestions there
    phone: str
    address: str
    level: str = "city"


# key (also the mailbox at UNIT_EMAIL_DOMAIN) -> the unit
HANDLING_UNITS: dict[str, UnitSpec] = {
    "rsj": UnitSpec("朔州市人力资源和社会保障局", "市人社局", ("梁", "建伟", "办公室"), "0349-2036101",
                    "朔州市朔城区开发北路218号"),
    "jyj": UnitSpec("朔州市教育局", "市教育局", ("郝", "晓琴", "办公室"), "0349-2036112", "朔州市朔城区文远路56号"),
    "wjw": UnitSpec("朔州市卫生健康委员会", "市卫健委", ("岳", "志诚", "法规与体制改革科"), "0349-2036123",
                    "朔州市朔城区民福东街19号"),
    "ybj": UnitSpec("朔州市医疗保障局", "市医保局", ("冀", "红英", "待遇保障科"), "0349-2036134",
                    "朔州市朔城区张辽北路101号"),
    "mzj": UnitSpec("朔州市民政局", "市民政局", ("侯", "永亮", "社会救助科"), "0349-2036145",
                    "朔州市朔城区开发南路33号"),
    "wmb": UnitSpec("朔州市精神文明建设委员会办公室", "市文明办", ("苗", "慧", "志愿服务指导科"), "0349-2036156",
                    "朔州市朔城区开发北路206号"),
    "tyj": UnitSpec("朔州市体育局", "市体育局", ("原", "海军", "群众体育科"), "0349-2036167",
                    "朔州市朔城区鄯阳街88号"),
    "zgh": UnitSpec("朔州市总工会", "市总工会", ("庞", "丽华", "女职工部"), "0349-2036178",
                    "朔州市朔城区民福西街12号"),
    "fl": UnitSpec("朔州市妇女联合会", "市妇联", ("师", "燕", "家庭和儿童工作部"), "0349-2036189",
                   "朔州市朔城区开发北路206号"),
    "hrzf": UnitSpec("怀仁市人民政府", "怀仁市政府", ("安", "国栋", "政府办公室"), "0349-3023201",
                     "怀仁市云中镇仁德路1号", level="county"),
    "swj": UnitSpec("朔州市商务局", "市商务局", ("芦", "志刚", "电子商务科"), "0349-2036211",
                    "朔州市朔城区张辽南路45号"),
    "zzb": UnitSpec("中共朔州市委组织部", "市委组织部", ("武", "文博", "人才工作科"), "0349-2036222",
                    "朔州市朔城区开发北路200号"),
    "shgzb": UnitSpec("中共朔州市委社会工作部", "市委社会工作部", ("雷", "蕾", "志愿服务工作科"), "0349-2036233",
                      "朔州市朔城区开发北路200号"),
    "gaj": UnitSpec("朔州市公安局", "市公安局", ("荣", "卫东", "禁毒支队"), "0349-2036244",
                    "朔州市朔城区北旺庄街7号"),
    "czj": UnitSpec("朔州市财政局", "市财政局", ("邸", "晓明", "社会保障科"), "0349-2036255",
                    "朔州市朔城区开发南路60号"),
    "wlj": UnitSpec("朔州市文化和旅游局", "市文旅局", ("贾", "婷婷", "公共服务科"), "0349-2036266",
                    "朔州市朔城区文远路120号"),
}  # fmt: skip


@dataclass(frozen=True)
class AnswerSpec:
    """A unit's answer in one round and how the signers rate it. The co-signers rate first, the lead delegate
    last; an unsatisfied first answer is sent back by the lead alone, before the others rated."""

    text: str
    answer_class: str  # "A", "B" or "C"
    method: str = "writing"  # "writing", "in_person" or "phone"
    rating: str = ""  # the lead delegate's; "" when they have not rated yet
    cosigners: str | None = None  # the co-signers' rating; None: as the lead's (none if the lead sends it back)
    comment: str = ""  # the lead delegate's comment on their rating
    letter: bool = False  # the answer letter (答复函) comes as a PDF


@dataclass(frozen=True)
class HandlingSpec:
    unit: str  # key of HANDLING_UNITS
    role: str = "lead"  # "lead" (主办) or "assisting" (协办)
    answers: tuple[AnswerSpec, ...] = ()  # one per round; none: the answer is still awaited
    extend_by: str = ""  # months ("1" to "3") a coordinator gives the unit before it answers
    extension_reason: str = ""


# --- Proposals ----------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ProposalSpec:
    """One demo proposal and the path it takes through the workflow.

    state: where it ends. For "withdrawn", withdraw_from says from which state. recommendations are
    numbered 一、二、三、 by the seeder. lead and cosigners are usernames; "" picks one. A draft without a
    background (and without recommendations) has only its title so far.
    """

    state: str
    session: str
    kind: str
    org: str
    topic: str
    title: str
    background: str
    recommendations: tuple[str, ...]
    findings: str = ""
    draft_title: str = ""
    lead: str = ""  # for proposals left in research (without changes): the lead is already assigned
    demo_cosign: bool = False  # the demo delegate login of the session's body co-signs
    changes: bool = False  # the lead requests changes once (a trip back to research)
    endorsed: bool = False  # for proposals left in consultation: the lead already endorsed
    cosigned: int | None = None  # for proposals left in consultation: co-signers who signed (None: half of them)
    no_evidence: bool = False  # for proposals left in research: the summary is written, no evidence uploaded yet
    reopen: bool = False  # for ready proposals: finalised, reopened, revised and finalised again
    decline: bool = False  # one co-signer declines
    late: bool = False  # a coordinator allows a late submission; submitted after the deadline
    withdraw_from: str = ""
    note: str = ""  # the withdrawal reason or the decision not to register
    research_due_days: int | None = None  # research due this many days from today (coming sessions)
    urgent: bool = False  # registered as urgent: the units answer within the session's shorter period
    handlings: tuple[HandlingSpec, ...] = ()  # the units assigned (交办), in the order assigned, and their answers
    supervise: str = ""  # the reason a coordinator makes it a key supervised item (重点督办), once a unit is overdue
    carry_to: str = ""  # the session (key) the proposal is raised again at (持续呼吁), recently, as a new draft


PROPOSALS: tuple[ProposalSpec, ...] = (
    # ---- 草拟 draft ---------------------------------------------------------------------------------
    ProposalSpec(
        state="draft", session="npc", kind="motion", org="city", topic="youth_friendly_city",
        title="关于制定《朔州市促进青年发展条例》的议案",
        draft_title="关于出台青年发展地方性法规的议案",
        background=(
            "《中长期青年发展规划（2016—2025年）》实施以来，我市青年发展工作取得积极进展，市、县两级青少年联席"
            "工作制度已经建立，怀仁市青年发展型城市建设取得初步成效。\n\n"
            "但青年就业、婚恋、住房、心理健康等政策分散在多个部门的文件中，缺乏统一的法规依据，部门协同主要依靠"
            "会议协调，政策落实“上热下冷”的情况在县域仍然存在。以地方性法规的形式固化青年优先发展理念，是推动"
            "“城市对青年更友好、青年在城市更有为”落地生根的制度保障。"
        ),
        recommendations=(
            "将《朔州市促进青年发展条例》列入市人大常委会立法计划，由团市委会同市司法局开展立法调研，起草条例草案。",
            "条例明确青年发展联席会议的职责、青年发展规划的编制和评估、各部门和县（市、区）的责任分工。",
            "将青年就业创业、住房保障、婚恋服务、心理健康、志愿服务等重点领域的扶持措施写入条例，明确经费保障渠道。",
        ),
    ),
    ProposalSpec(
        state="draft", session="npc", kind="suggestion", org="taoci", topic="jobs", research_due_days=6,
        title="关于设立陶瓷e镇青年直播电商公共实训基地的建议",
        background=(
            "陶瓷e镇青年集中、电商孵化条件优越，团工委成立以来依托直播间、电商产业孵化中心开展电商培训，青年参与"
            "热情很高。\n\n"
            "目前园区内直播间多为企业自用，初创青年缺少可以免费或低价使用的直播场地和设备，专业讲师主要从外地聘请，"
            "培训成本高、频次低，难以满足青年持续学习的需要。"
        ),
        recommendations=(
            "由市商务局牵头，利用陶瓷e镇现有闲置厂房建设青年直播电商公共实训基地，配备标准化直播间10间以上，"
            "向初创青年免费开放。",
            "将直播电商纳入职业技能培训补贴目录，对参加培训并取得证书的青年给予培训补贴。",
            "依托陶瓷产业电商研发中心组建本地讲师团，每季度开展一期实战训练营。",
        ),
    ),
    ProposalSpec(
        state="draft", session="cppcc", kind="cppcc_proposal", org="shizhuan", topic="summer_practice",
        title="关于建立朔州籍大学生“返家乡”实践岗位常态化供给机制的提案",
        draft_title="关于做好大学生“返家乡”社会实践岗位供给的提案",
        background=(
            "自2018年以来，团市委连续6年开展青春兴晋“返家乡”社会实践活动，已有2271名朔州籍大学生在寒暑假期间"
            "参与政务实践、公益服务、社区服务、乡村振兴、文化宣传等岗位实践。\n\n"
            "实践岗位目前主要依靠团组织逐年向各单位征集，岗位数量不稳定、专业匹配度不高，部分学生报名后无岗可选。"
            "师专学生反映，希望实践岗位能更早公布、与所学专业更好衔接。"
        ),
        recommendations=(
            "将“返家乡”实践岗位征集纳入市直各部门和县（市、区）年度工作安排，每年寒暑假前一个月集中发布岗位清单。",
            "建立实践岗位库，按专业方向分类，实现学生线上报名、双向选择。",
            "对实践表现优秀的学生，在本地事业单位招聘、“三支一扶”招募中同等条件下优先考虑。",
        ),
    ),
    ProposalSpec(
        state="draft", session="cppcc", kind="cppcc_proposal", org="youyu_volunteers", topic="volunteering",
        title="关于设立右玉县志愿服务激励基金的提案",
        background=(
            "右玉县青年志愿者长期活跃在植树造林、生态保护和新时代文明实践一线，是全市志愿服务的一面旗帜。\n\n"
            "当前，志愿服务活动的交通、餐饮、保险等必要支出主要靠组织者自筹，优秀志愿者缺少常态化的褒奖渠道，"
            "部分骨干志愿者因经济压力逐渐退出，志愿服务队伍稳定性不足。"
        ),
        recommendations=(
            "由县财政和社会捐赠共同出资设立志愿服务激励基金，用于志愿者保险、培训和优秀项目资助。",
            "建立“志愿服务积分”制度，积分可兑换公共文化场馆、景区等服务。",
            "每年评选表彰一批优秀青年志愿者和志愿服务项目，在县级媒体集中宣传。",
        ),
    ),
    ProposalSpec(
        state="draft", session="npc", kind="suggestion", org="jincheng", topic="other",
        title="关于提升县域青年公共文化服务供给的建议",
        background=(
            "应县历史文化资源丰富，但县城面向青年的公共文化空间较少，图书馆、文化馆开放时间与青年上班时间重叠，"
            "下班后和周末可去的文化场所不多。\n\n"
            "在“共青团与人大代表、政协委员面对面”活动中，不少青年反映县城“下班后没处去”，希望有更多读书、运动、"
            "交友一体化的公共空间。"
        ),
        recommendations=(
            "推动县图书馆、文化馆、体育场馆在工作日晚间和周末延时开放。",
            "利用城区闲置公共用房建设“青年之家”，引入读书会、青年夜校等公益项目。",
            "将青年文化活动纳入县级公共文化服务采购目录，每年安排专项资金。",
        ),
    ),
    ProposalSpec(
        state="draft", session="npc", kind="suggestion", org="huairen", topic="marriage",
        title="关于建设怀仁市青年婚恋服务驿站的建议",
        background=(
            "团市委动员各级团组织开展“青春有约”系列青年交友联谊活动，深受青年欢迎。怀仁市陶瓷、煤炭企业集中，"
            "一线青年职工工作时间长、社交圈窄，婚恋难问题较为突出。\n\n"
            "目前联谊活动以临时组织为主，缺少固定场所和专业服务队伍，青年对个人信息安全也有顾虑。"
        ),
        recommendations=(
            "在市青年之家设立青年婚恋服务驿站，提供公益婚恋咨询、联谊活动和婚前辅导等服务。",
            "由团市委、市总工会、市妇联联合建立实名认证的青年交友信息库，严格保护个人信息。",
            "鼓励企业工会与驿站合作，每季度至少组织一次跨行业联谊活动。",
        ),
    ),
    ProposalSpec(
        state="draft", session="npc", kind="suggestion", org="qiming", topic="child_care",
        title="关于加强困境儿童和残障青少年关爱服务的建议",
        background=(
            "团市委联合爱心企业走进朔州市慧灵尚德乐障碍者赋能中心开展关爱困境青少年慰问活动，了解到残障青少年在"
            "康复训练、融合教育和就业准备等方面存在较大困难。\n\n"
            "平鲁区农村地区困境儿童分散，专业社工和康复资源不足，关爱服务以节日慰问为主，缺少长期、持续的专业支持。"
        ),
        recommendations=(
            "建立困境儿童和残障青少年动态台账，由民政、教育、残联、团委共享信息。",
            "通过政府购买服务引入专业社工机构，为困境儿童提供个案跟踪服务。",
            "支持特殊教育学校和赋能中心开展职业技能培训，帮助残障青年实现就业。",
        ),
    ),
    ProposalSpec(
        state="draft", session="npc", kind="suggestion", org="city", topic="jobs",
        title="关于加强快递员、外卖骑手等新就业形态青年权益保障的建议",
        background="",
        recommendations=(),
    ),
    # ---- 调研 research ------------------------------------------------------------------------------
    ProposalSpec(
        state="research", session="npc", kind="suggestion", org="qiming", topic="mental_health",
        lead="demo-delegate", changes=True,
        title="关于在农村寄宿制学校建设心理辅导室的建议",
        background=(
            "团市委争取“美童年·点亮臻心”公益项目，联合市心理咨询师协会、市心理学会深入35所中小学，为2500余名"
            "青少年开展团体心理辅导，平鲁区启明实验学校是项目学校之一。\n\n"
            "农村寄宿制学校学生多为留守儿童，长期与父母分离，情绪困扰较为普遍，但学校普遍没有标准化心理辅导室，"
            "心理健康教育主要由班主任兼任。"
        ),
        findings=(
            "团区委联合启明实验学校开展问卷调查，回收有效问卷612份。其中，34.5%的寄宿学生表示“经常想家、情绪"
            "低落”，21.2%表示遇到烦恼“不知道找谁说”；全区12所农村寄宿制学校中，仅3所设有心理辅导室，专职心理"
            "教师仅1人。"
        ),
        recommendations=(
            "按照教育部门标准，在农村寄宿制学校全部建成心理辅导室，配备必要的沙盘、宣泄和放松设备。",
            "通过公开招聘、定向培养等方式，为每所寄宿制学校至少配备1名专（兼）职心理健康教师。",
            "将团体心理辅导纳入寄宿制学校晚间活动安排，由专业团队每学期入校指导不少于2次。",
        ),
    ),
    ProposalSpec(
        state="research", session="npc", kind="suggestion", org="hongwen", topic="drug_prevention",
        research_due_days=-2,
        title="关于将禁毒教育纳入中小学课后服务课程的建议",
        background=(
            "6月全民禁毒宣传月期间，团市委联合市检察院、市禁毒办等单位面向6000余名青少年开展“青春禁毒 健康人生”"
            "主题宣传活动，学生参与积极。\n\n"
            "但禁毒教育目前以集中宣传为主，频次低、形式单一，新型毒品伪装性强，不少学生难以识别。课后服务时间充裕，"
            "适合开展系统化、体验式的禁毒教育。"
        ),
        findings=(
            "弘文中学团委对七、八年级学生开展问卷调查，回收有效问卷486份。能准确识别“奶茶包”“跳跳糖”等新型毒品"
            "伪装形态的学生仅占27.8%；82.3%的学生希望通过情景剧、VR体验等方式学习禁毒知识。"
        ),
        recommendations=(
            "由市教育局、市禁毒办联合编写中小学禁毒教育课后服务课程，每学期不少于4课时。",
            "组建由民警、检察官、禁毒社工和青年志愿者组成的禁毒宣讲团，定期进校园授课。",
            "在有条件的学校建设禁毒教育体验角，配备VR体验设备和新型毒品仿真样品。",
        ),
    ),
    ProposalSpec(
        state="research", session="cppcc", kind="cppcc_proposal", org="city", topic="marriage",
        lead="lvxiaoyan", no_evidence=True,
        title="关于为赴朔工作外地青年人才提供婚育住房支持的提案",
        background=(
            "人才强市战略实施以来，我市引进了一批外地优秀青年人才。团市委在开展“青春有约”联谊活动中了解到，外地"
            "青年在朔州工作后，普遍面临婚恋圈子窄、住房压力大、子女入托难等问题，部分人才因此流失。\n\n"
            "让外地青年把家安在朔州、把心留在朔州，需要在婚恋、住房、育儿等方面给予更有针对性的支持。"
        ),
        findings=(
            "团市委面向市直单位、国有企业和重点园区引进的外地青年人才发放问卷，回收有效问卷358份。其中，未婚比例为"
            "61.7%，73.2%的受访者认为“缺少结识异性的渠道”，58.9%表示“首套住房负担较重”；近三年引进的外地人才中，"
            "离职人员有近四成将“在朔州成家困难”列为原因之一。"
        ),
        recommendations=(
            "为引进的外地青年人才提供3年人才公寓免租或租金补贴，在朔州首次购房的给予一次性购房补贴。",
            "由团市委牵头，将外地青年人才纳入“青春有约”联谊活动重点服务对象，每年组织专场活动。",
            "对在朔成家的外地青年人才子女入托入学，给予统筹安排。",
        ),
    ),
    ProposalSpec(
        state="research", session="npc", kind="suggestion", org="gucheng", topic="jobs", research_due_days=3,
        title="关于支持农村青年领办植保无人机社会化服务的建议",
        background=(
            "在第九届“创青春”朔州青年创新创业大赛上，14名创业青年携“植保无人机”“杂粮文化”“农业生产全产业链托管”"
            "等项目同台竞技，农业社会化服务成为返乡青年创业的热点。\n\n"
            "山阴县是农业大县，植保作业需求大，但青年创业者购置无人机资金压力大，飞手培训和作业资质取得周期长。"
        ),
        findings=(
            "古城镇团委走访了全镇8个村的返乡创业青年和种植大户，共访谈42人。返乡青年中有意从事植保服务的占四成以上，"
            "但单台植保无人机购置成本在5万元左右，现有农机购置补贴覆盖比例有限；种植大户普遍愿意购买统防统治服务，"
            "全镇每年作业需求约12万亩次。"
        ),
        recommendations=(
            "将植保无人机纳入农机购置补贴重点品目，对返乡青年购置给予叠加补贴。",
            "联合职业院校开展无人机飞手免费培训，培训合格者推荐取得作业资质。",
            "支持青年组建农业社会化服务合作社，优先承接政府统防统治作业项目。",
        ),
    ),
    ProposalSpec(
        state="research", session="cppcc", kind="cppcc_proposal", org="beizhouzhuang", topic="child_care",
        lead="demo-delegate2", changes=True,
        title="关于建立农村留守儿童“亲情陪伴”志愿服务机制的提案",
        background=(
            "市青年联合会在全市建设10所“希望小屋”，并以爱心物资捐赠、科学实践课下乡、亲情互动陪伴等形式开展回访"
            "系列活动20余次，受到留守儿童和家长欢迎。\n\n"
            "山阴县北周庄小学留守儿童比例较高，孩子们最缺的不是物质，而是陪伴。目前陪伴活动多为一次性慰问，缺少长期"
            "结对和固定时间。"
        ),
        findings=(
            "北周庄小学少先队大队部对全校学生进行摸底，留守儿童占在校生的46.3%，其中父母均外出务工的占19.8%。"
            "在对留守儿童的访谈中，超过六成的孩子希望“每周有人陪我写作业、聊聊天”。"
        ),
        recommendations=(
            "组织青年志愿者、大学生与留守儿童“一对一”长期结对，每周至少开展一次陪伴活动。",
            "依托“希望小屋”和学校少先队活动室建设亲情陪伴点，配备视频通话设备，方便孩子与父母定期联系。",
            "将陪伴服务时长纳入志愿服务记录，对长期坚持的志愿者给予表彰。",
        ),
    ),
    ProposalSpec(
        state="research", session="npc", kind="suggestion", org="jingping", topic="summer_practice",
        research_due_days=1,
        title="关于为大学生寒暑假社会实践提供意外保险和交通补贴的建议",
        background=(
            "“返家乡”社会实践按照“因需设岗、按岗招人、双向选择、属地管理、就近就便”的原则组织实施，为大学生提供了"
            "了解家乡、服务家乡的平台。\n\n"
            "平鲁区地域广、乡镇分散，到乡村振兴一线岗位实践的学生往返交通成本较高，实践期间的意外伤害保障也没有统一"
            "安排，部分家长因此不支持孩子参加。"
        ),
        findings=(
            "团区委对去年暑期参加“返家乡”实践的学生进行回访，回收有效问卷213份。其中，67.1%的学生每天往返交通时间"
            "超过1小时，日均交通支出约15元；仅有31.5%的学生由接收单位购买了意外伤害保险。"
        ),
        recommendations=(
            "由接收单位或团组织统一为参加社会实践的大学生购买意外伤害保险。",
            "对到乡镇、村一线岗位实践的学生，按实际天数给予交通和餐饮补贴。",
            "将补贴经费纳入区级财政预算，由团区委统筹使用。",
        ),
    ),
    ProposalSpec(
        state="research", session="npc", kind="suggestion", org="taoci", topic="jobs",
        title="关于为陶瓷e镇电商青年提供创业担保贷款贴息的建议",
        background=(
            "陶瓷e镇依托电商产业孵化中心、陶瓷产业电商研发中心和陶瓷产业供应链，吸引了大批青年从事陶瓷电商创业。\n\n"
            "青年创业者普遍缺少抵押物，备货、仓储、平台保证金等前期投入大，融资难、融资贵是制约青年电商做大做强的"
            "突出问题。"
        ),
        recommendations=(
            "将电商青年纳入创业担保贷款扶持范围，个人最高额度提高到30万元，并给予全额贴息。",
            "协调驻地银行开发“电商贷”产品，以平台流水作为授信依据。",
            "对入驻孵化中心的青年电商企业，前两年免收场地租金。",
        ),
    ),
    # ---- 协商 consultation --------------------------------------------------------------------------
    ProposalSpec(
        state="consultation", session="npc", kind="motion", org="city", topic="mental_health",
        lead="wanghaiyan", demo_cosign=True, changes=True, endorsed=True, cosigned=6,
        title="关于在中小学配齐专职心理健康教师的议案",
        draft_title="关于加强中小学心理健康教师队伍建设的议案",
        background=(
            "青少年心理健康关系千家万户。团市委争取“美童年·点亮臻心”公益项目，联合市心理咨询师协会、市心理学会"
            "深入朔城区兴安学校、平鲁区启明实验学校、山阴县北周庄小学、怀仁市峪宏中学、右玉城镇明德小学等35所中小学，"
            "为2500余名青少年开展团体心理辅导。\n\n"
            "辅导中发现，不少学生存在学业焦虑、人际困扰、情绪低落等问题，而多数学校没有专职心理健康教师，心理健康"
            "课程被挤占，问题发现晚、干预难。"
        ),
        findings=(
            "项目执行团队对35所项目学校的调查显示：仅有9所学校配备专职心理健康教师，专兼职心理教师与学生比例约为"
            "1:1800；在接受团体辅导的2500余名学生中，经初步筛查需要进一步关注的约占8.6%。"
        ),
        recommendations=(
            "市人民政府制定中小学心理健康教师配备计划，三年内实现每所中小学至少配备1名专职心理健康教师，寄宿制学校"
            "和规模较大学校按师生比增配。",
            "在教师招聘中单列心理健康教师岗位，对现有兼职教师开展系统培训并取得相应资质。",
            "建立学生心理健康筛查和转介机制，与市精神卫生机构建立绿色通道。",
        ),
    ),
    ProposalSpec(
        state="consultation", session="npc", kind="suggestion", org="taoci", topic="mental_health",
        lead="demo-delegate", endorsed=True,
        title="关于为电商直播从业青年提供心理健康服务的建议",
        background=(
            "陶瓷e镇聚集了大量从事直播带货、客服、运营的青年，工作时间长、昼夜颠倒、业绩压力大，网络暴力和流量焦虑"
            "时有发生。\n\n"
            "这一群体多为灵活就业，不在传统企业工会和单位心理服务的覆盖范围内，遇到心理困扰缺少求助渠道。"
        ),
        findings=(
            "团工委对园区电商从业青年开展问卷调查，回收有效问卷305份。其中，日均工作时长超过10小时的占52.1%，"
            "自评“经常焦虑或失眠”的占38.4%，仅有6.2%的受访者接受过专业心理咨询，81.0%的受访者希望在园区内就近"
            "获得心理服务。"
        ),
        recommendations=(
            "在陶瓷e镇青年之家设立心理服务站，引入专业心理咨询师定期坐班。",
            "将电商直播从业青年纳入市心理援助热线重点服务人群，开展线上心理疏导。",
            "指导电商企业合理安排直播时长，落实休息休假制度。",
        ),
    ),
    ProposalSpec(
        state="consultation", session="cppcc", kind="cppcc_proposal", org="yingzhi", topic="drug_prevention",
        lead="demo-delegate2",
        title="关于加强新型毒品和电子烟校园防控的提案",
        background=(
            "近年来，新型毒品花样翻新，一些不法分子将毒品伪装成饮料、零食、电子烟油，向青少年渗透。电子烟在部分职业"
            "学校学生中流行，存在成为吸毒“入门工具”的风险。\n\n"
            "学校对新型毒品识别能力不足，校园周边商铺违规向未成年人销售电子烟的情况仍有发生。"
        ),
        findings=(
            "应县职业中学团委在全校开展匿名问卷调查，回收有效问卷742份。其中，12.4%的学生表示曾尝试过电子烟，"
            "41.6%的学生不知道含有合成大麻素的电子烟油属于毒品；对学校周边500米内的23家商铺暗访发现，有5家存在"
            "向未成年人销售电子烟的情况。"
        ),
        recommendations=(
            "公安、市场监管部门开展校园周边电子烟销售专项整治，对违规向未成年人销售的依法从严处罚。",
            "将新型毒品和电子烟危害纳入职业学校入学教育和安全教育课程。",
            "建立学校、家庭、禁毒社工联动的早发现、早干预机制。",
        ),
    ),
    ProposalSpec(
        state="consultation", session="npc", kind="suggestion", org="huairen", topic="youth_friendly_city",
        lead="chenlixin",
        title="关于在城市更新中增设青年友好公共空间的建议",
        background=(
            "怀仁市开展青年发展型城市建设以来，着力推动“城市对青年更友好、青年在城市更有为”，在青年住房、就业、"
            "文体活动等方面进行了有益探索。\n\n"
            "在老旧小区改造和城市更新项目中，青年需求考虑不多，城区适合青年运动、社交、学习的公共空间不足，篮球场、"
            "滑板场、自习室等设施供不应求。"
        ),
        findings=(
            "团市委结合青年发展型城市建设评估，对城区1200名青年开展线上调查。76.5%的受访青年认为“下班后缺少运动和"
            "社交场所”，希望增设的设施依次为：夜间开放的运动场地、24小时自习室、青年创意市集。现有城区公共运动场地"
            "夜间开放的不足三成。"
        ),
        recommendations=(
            "在城市更新和老旧小区改造项目中，将青年友好公共空间纳入规划设计条件。",
            "利用桥下空间、边角地建设口袋运动场和滑板场，夜间照明开放至22时。",
            "依托图书馆分馆和青年之家建设24小时自习室。",
        ),
    ),
    ProposalSpec(
        state="consultation", session="npc", kind="suggestion", org="city", topic="child_care",
        lead="hanyonggang", demo_cosign=True,
        title="关于扩大“希望小屋”儿童关爱项目覆盖面的建议",
        background=(
            "“希望小屋”儿童关爱项目为困境家庭儿童改造独立的学习生活空间，配套开展陪伴和成长服务。市青年联合会已在"
            "全市建设10所“希望小屋”，开展回访系列活动20余次。\n\n"
            "项目主要依靠社会捐赠，建设数量与困境儿童需求相比差距较大，回访和长期陪伴缺少稳定的志愿者队伍和经费支持。"
        ),
        findings=(
            "团市委会同民政部门摸排，全市符合“希望小屋”帮扶条件的困境家庭儿童约有320名，已建成的10所仅覆盖约3%；"
            "对已建小屋家庭的回访显示，孩子的学习习惯和自信心均有明显改善，家长满意率达100%。"
        ),
        recommendations=(
            "将“希望小屋”建设纳入市级民生实事项目，三年内新建100所。",
            "建立政府支持、社会捐赠、企业认领相结合的多元筹资机制。",
            "为每所“希望小屋”结对1名青年志愿者，开展长期陪伴服务。",
        ),
    ),
    ProposalSpec(
        state="consultation", session="npc", kind="suggestion", org="shanyin", topic="volunteering",
        lead="zhangxiaodong", decline=True,
        title="关于在社区设立青年志愿服务站点的建议",
        background=(
            "截至目前，全市注册青年志愿者达134725名，累计服务时长1335572.9小时，青年志愿者工作已成为朔州共青团的"
            "“青字号”品牌。\n\n"
            "但志愿服务阵地多集中在县城中心区域，城乡社区缺少固定的志愿服务站点，志愿者“想服务找不到地方”、群众"
            "“有需求找不到人”的情况并存。"
        ),
        findings=(
            "团县委对全县社区和行政村进行摸底，有固定志愿服务站点的仅占17.6%；对县内注册志愿者的问卷显示，68.3%的"
            "志愿者希望就近在居住社区参与服务，服务需求主要集中在助老、助残、课后辅导和环境整治。"
        ),
        recommendations=(
            "依托新时代文明实践站、党群服务中心，在城乡社区设立青年志愿服务站点，做到有场地、有队伍、有项目。",
            "建立社区服务需求清单和志愿者服务清单，实现线上对接、精准派单。",
            "将社区青年志愿服务站点建设纳入文明社区评选指标。",
        ),
    ),
    # ---- 定稿 ready ---------------------------------------------------------------------------------
    ProposalSpec(
        state="ready", session="npc", kind="motion", org="qingqi", topic="jobs", lead="demo-delegate",
        title="关于设立“创青春”青年创新创业大赛获奖项目落地扶持资金的议案",
        background=(
            "第九届“创青春”朔州青年创新创业大赛吸引了植保无人机、杂粮文化、农业生产全产业链托管等一批优质项目，"
            "参赛青年创业热情高涨。\n\n"
            "但大赛结束后，获奖项目缺少后续扶持，部分项目因资金、场地等问题未能落地，甚至流向外地，大赛的带动效应"
            "没有充分发挥。"
        ),
        findings=(
            "市青年企业家协会对近三届大赛的获奖项目进行跟踪，共42个获奖项目中，在本地落地运营的仅有17个，占40.5%；"
            "未落地项目中，近七成将“缺少启动资金”列为首要原因。已落地项目平均带动就业8.3人。"
        ),
        recommendations=(
            "市财政每年安排青年创新创业扶持资金，对在本市落地的大赛获奖项目给予5万元至30万元不等的启动资金支持。",
            "将获奖项目优先纳入各级创业孵化基地，免收前三年场地租金。",
            "组建由青年企业家、金融机构、投资人组成的创业导师团，对获奖项目跟踪辅导。",
        ),
    ),
    ProposalSpec(
        state="ready", session="cppcc", kind="cppcc_proposal", org="city", topic="mental_health",
        lead="qinhuimin", demo_cosign=True,
        title="关于建立全市青少年心理危机干预“家校医社”联动机制的提案",
        background=(
            "青少年心理危机事件往往涉及家庭、学校、医疗机构和社区多个方面。目前各方信息不通、职责不清，学校发现学生"
            "存在心理危机后，转介到专业医疗机构的流程不顺畅，家长配合度不高。\n\n"
            "团市委在实施“美童年·点亮臻心”公益项目中发现，建立多方联动的危机干预机制十分迫切。"
        ),
        findings=(
            "对35所项目学校的心理教师和班主任的访谈显示，近一年内发现疑似心理危机学生后，能在一周内完成专业评估的"
            "不足一半；全市仅有1家医疗机构开设儿童青少年心理门诊，预约等待时间平均超过两周。"
        ),
        recommendations=(
            "由市教育局、市卫生健康委、团市委、市妇联共同建立青少年心理危机干预联席机制，明确各方职责。",
            "在市级精神卫生机构开设儿童青少年心理门诊绿色通道，为学校转介学生优先安排评估。",
            "开通24小时青少年心理援助热线，由专业心理咨询师和经过培训的青年志愿者值守。",
        ),
    ),
    ProposalSpec(
        state="ready", session="cppcc", kind="cppcc_proposal", org="mingde", topic="other", lead="demo-delegate2",
        title="关于加强未成年人网络保护和防沉迷工作的提案",
        background=(
            "随着智能手机普及，农村小学生接触网络的年龄越来越小。右玉县城镇明德小学在家访中发现，不少留守儿童由祖辈"
            "照看，手机使用缺少管理，沉迷短视频和网络游戏的情况较为普遍。\n\n"
            "学校、家庭对网络防沉迷措施了解不多，未成年人模式使用率低。"
        ),
        findings=(
            "学校团支部对三至六年级学生家庭发放问卷，回收有效问卷396份。其中，拥有个人手机或平板的学生占58.3%，"
            "周末日均使用时长超过3小时的占29.5%；知道并开启“青少年模式”的家庭仅占18.7%。"
        ),
        recommendations=(
            "将网络素养教育纳入中小学课程，每学期开展不少于2次专题教育。",
            "依托家长学校开展未成年人网络保护专题培训，重点面向祖辈监护人。",
            "网信、文旅、公安部门加强对网络游戏、短视频平台未成年人保护措施落实情况的监督检查。",
        ),
    ),
    ProposalSpec(
        state="ready", session="npc", kind="suggestion", org="huairen", topic="youth_friendly_city",
        lead="zhouwenbin", reopen=True,
        title="关于以怀仁市青年发展型城市建设为模板推进青年发展型县域建设的建议",
        background=(
            "怀仁市作为青年发展型城市建设试点，在青年就业创业、住房保障、文体服务等方面形成了一批可复制的经验。团市委"
            "提出以怀仁市青年发展型城市建设为模板，汲取先进创建经验，使青年发展规划在朔州落地生根。\n\n"
            "其他县（区）青年发展工作基础不一，缺少统一的建设标准和评价体系，推进力度不均衡。"
        ),
        findings=(
            "团市委对六个县（市、区）青年发展工作进行评估：已建立青少年联席工作制度的县（市、区）6个，实现全覆盖；"
            "但出台青年发展专项政策的仅有2个，设立青年发展专项经费的仅有1个；怀仁市试点以来新增青年人才公寓300余套，"
            "青年就业见习岗位增加近一倍。"
        ),
        recommendations=(
            "总结推广怀仁市青年发展型城市建设经验，制定全市青年发展型县域建设指引。",
            "建立青年发展指标评价体系，每年对各县（市、区）进行评估并通报。",
            "市级财政对建设成效突出的县（市、区）给予奖补。",
        ),
    ),
    ProposalSpec(
        state="ready", session="huairen", kind="suggestion", org="yuhong", topic="mental_health",
        lead="mahongmei",
        title="关于将团体心理辅导纳入中小学课后服务的建议",
        background=(
            "怀仁市峪宏中学、弘文中学等学校参与了“美童年·点亮臻心”公益项目，二级心理咨询师带领学生通过“英雄和野兽”"
            "“心有千千结”等游戏开展团体心理辅导，学生普遍反映“很开心、很放松”。\n\n"
            "项目结束后，学校缺少专业力量持续开展团体辅导，活动难以常态化。"
        ),
        findings=(
            "峪宏中学团委对参加团体辅导的七年级学生进行前后测，参加4次辅导后，自评“压力较大”的学生比例由41.2%"
            "下降到26.5%；92.4%的学生希望每月都能参加此类活动。"
        ),
        recommendations=(
            "将团体心理辅导纳入中小学课后服务内容，每月至少开展1次。",
            "通过政府购买服务，由市心理咨询师协会等专业机构派员指导。",
            "对学校心理教师和班主任开展团体辅导技能培训。",
        ),
    ),
    # ---- 已撤回 withdrawn ---------------------------------------------------------------------------
    ProposalSpec(
        state="withdrawn", withdraw_from="research", session="npc", kind="suggestion", org="taoci", topic="jobs",
        title="关于在陶瓷e镇建设青年人才公寓的建议",
        background=(
            "陶瓷e镇吸引了不少外地青年来此从事电商创业，园区周边租房成本较高，配套生活设施不足。\n\n"
            "青年希望在园区附近有价格适中、拎包入住的人才公寓。"
        ),
        recommendations=(
            "在陶瓷e镇周边规划建设青年人才公寓，优先保障电商创业青年。",
            "对入住的创业青年给予前两年租金减免。",
        ),
        note="经与市住建局沟通，陶瓷e镇人才公寓已列入今年保障性租赁住房建设计划，诉求已在落实中，撤回本建议。",
    ),
    ProposalSpec(
        state="withdrawn", withdraw_from="draft", session="npc", kind="suggestion", org="city", topic="marriage",
        title="关于举办全市青年集体婚礼倡导文明婚俗的建议",
        background=(
            "集体婚礼简约、庄重，是倡导婚事新办、抵制高额彩礼的有效载体。\n\n"
            "团市委计划联合有关部门每年举办一次青年集体婚礼。"
        ),
        recommendations=("由团市委、市民政局、市妇联每年联合举办一次青年集体婚礼。",),
        note="经研究，集体婚礼由团市委直接会同市民政局组织实施，无需通过建议推动，撤回。",
    ),
    ProposalSpec(
        state="withdrawn", withdraw_from="ready", session="cppcc", kind="cppcc_proposal", org="youyu_volunteers",
        topic="volunteering", lead="caoli",
        title="关于在右玉生态文化旅游景区设立青年志愿服务驿站的提案",
        background=(
            "右玉县生态文化旅游发展迅速，旅游旺季游客集中，问询引导、文明劝导、应急救助等服务需求明显增加。\n\n"
            "青年志愿者有意在景区开展常态化志愿服务，但缺少固定的服务点位和必要的保障。"
        ),
        findings=(
            "县青年志愿者协会在“五一”“十一”假期对主要景区开展现场调研，高峰时段每小时游客问询约150人次，景区管理"
            "人员普遍表示需要志愿者协助。"
        ),
        recommendations=(
            "在主要景区游客中心设立青年志愿服务驿站，配备咨询台、急救包等设施。",
            "建立文旅部门与团组织的志愿服务协作机制，旅游旺季常态化派驻志愿者。",
        ),
        note="县文旅局已在主要景区设立志愿服务驿站并纳入今年工作安排，提案诉求已经解决，经牵头委员同意撤回。",
    ),
    ProposalSpec(
        state="withdrawn", withdraw_from="consultation", session="npc_last", kind="suggestion", org="city",
        topic="youth_friendly_city", lead="fengxue",
        title="关于在中心城区开办青年夜校的建议",
        background=(
            "青年夜校以低收费、多样化的课程受到各地青年欢迎，成为青年下班后学习技能、结交朋友的新去处。\n\n"
            "我市尚无面向青年的公益性夜校，青年学习提升的渠道有限。"
        ),
        findings=(
            "团市委线上调查显示，在参与的860名青年中，79.4%的人表示愿意参加青年夜校，最希望开设的课程为摄影、书法、"
            "健身和职业技能。"
        ),
        recommendations=(
            "依托青年之家、文化馆开办青年夜校，课程收费以公益价为主。",
            "招募本地优秀青年担任夜校讲师。",
        ),
        note="经与牵头代表商议，青年夜校先由团市委自行试点，待取得经验后再提出建议，撤回。",
    ),
    # ---- 已提交 submitted (last year's sessions) ----------------------------------------------------
    ProposalSpec(
        state="submitted", session="cppcc_last", kind="cppcc_proposal", org="city", topic="jobs",
        lead="demo-delegate2", late=True,
        title="关于加大高校毕业生返朔就业见习补贴力度的提案",
        background=(
            "团市委常态化开展“绽放梦想 扬帆起航”毕业生就业双向选择洽谈会、大中城市联合招聘高校毕业生专场招聘会等"
            "活动，为高校毕业生返朔就业搭建平台。\n\n"
            "高校毕业生返朔就业意愿较强，但本地就业见习岗位数量少、补贴标准偏低，用人单位参与积极性不高，见习留用率"
            "不理想。"
        ),
        findings=(
            "团市委对参加招聘会的应届毕业生和用人单位开展调查，回收学生问卷1026份、企业问卷87份。64.8%的毕业生表示"
            "“愿意回朔就业”，但仅有22.3%的学生参加过就业见习；在未提供见习岗位的企业中，六成以上认为现行见习补贴"
            "不足以覆盖带教成本。"
        ),
        recommendations=(
            "提高就业见习补贴标准，对见习期满留用率达到50%以上的见习单位给予奖励。",
            "开发一批政务、国企和重点产业见习岗位，每年不少于1000个。",
            "将返朔就业见习纳入“返家乡”实践岗位库统一发布。",
        ),
        note="牵头委员因外出调研未能按时提交，经与市政协提案委员会沟通，同意补交。",
    ),
    ProposalSpec(
        state="submitted", session="cppcc_last", kind="cppcc_proposal", org="shanyin", topic="summer_practice",
        lead="xuwenhua",
        title="关于在乡村振兴一线设立大学生实践岗位的提案",
        background=(
            "乡村振兴需要青年人才。“返家乡”社会实践中的乡村振兴岗位深受大学生欢迎，但岗位数量有限，实践内容以文书"
            "工作为主，与产业发展、基层治理结合不够紧密。\n\n"
            "山阴县农业产业化龙头企业、农民专业合作社较多，有条件吸纳大学生开展实践。"
        ),
        findings=(
            "团县委对近两年参加“返家乡”实践的本县大学生开展回访，乡村振兴类岗位报名人数是岗位数的3.2倍；参与学生中，"
            "87.6%认为实践“增进了对家乡的了解”，41.2%表示毕业后愿意回乡工作或创业。"
        ),
        recommendations=(
            "在乡镇、村和农业龙头企业、合作社设立大学生乡村振兴实践岗位，每年不少于200个。",
            "为实践学生配备乡村振兴导师，参与电商直播、农技推广、基层治理等实际工作。",
            "对表现突出的实践学生，纳入本县青年人才储备库。",
        ),
    ),
    ProposalSpec(
        state="submitted", session="npc_last", kind="suggestion", org="yingxian", topic="marriage",
        lead="zhaoliping", demo_cosign=True,
        title="关于整治高额彩礼推动婚俗改革的建议",
        background=(
            "高额彩礼加重了农村青年和家庭的经济负担，一些家庭“因婚致贫”“因婚返贫”，也成为农村大龄青年婚恋难的重要"
            "原因。\n\n"
            "团县委在开展“青春有约”联谊活动时，不少青年表示“不是不想结婚，而是结不起婚”。"
        ),
        findings=(
            "团县委在全县开展抽样调查，回收有效问卷528份。受访者所知近年农村彩礼金额多在10万元至20万元之间，"
            "76.3%的受访青年认为彩礼“负担过重”，82.1%支持由村规民约对彩礼作出约束。"
        ),
        recommendations=(
            "将婚俗改革纳入村规民约，发挥红白理事会作用，倡导彩礼减量。",
            "开展“零彩礼”“低彩礼”青年典型宣传，团组织为新人提供集体婚礼等公益服务。",
            "将婚俗改革成效纳入文明村镇评选指标。",
        ),
    ),
    # ---- 办理中 in handling: one unit answered, the lead unit overdue; a key supervised item -------------
    ProposalSpec(
        state="handling", session="npc_last", kind="motion", org="city", topic="drug_prevention",
        lead="lizhiqiang", demo_cosign=True,
        title="关于建设朔州市青少年禁毒教育基地的议案",
        background=(
            "毒品问题是危害青少年健康成长的重大隐患。我市每年面向6000余名青少年开展“青春禁毒 健康人生”主题宣传活动，"
            "但缺少固定的、体验式的禁毒教育场所，宣传教育以展板、讲座为主，吸引力不足。\n\n"
            "周边地市已相继建成青少年禁毒教育基地，效果良好。"
        ),
        findings=(
            "团市委会同市禁毒办对全市中小学开展调查，仅有少数学校设有禁毒教育展室；对1500名中学生的问卷显示，认为现有"
            "禁毒教育“形式单一”的占63.4%，希望参观实景化禁毒教育基地的占88.7%。"
        ),
        recommendations=(
            "由市政府统筹，利用现有场馆改建朔州市青少年禁毒教育基地，设置展示、体验、互动等功能区。",
            "将参观禁毒教育基地纳入全市中小学生研学实践活动，每名中学生在校期间至少参观一次。",
            "基地由市禁毒办管理，团市委组织青年志愿者担任讲解员。",
        ),
        handlings=(
            HandlingSpec("gaj"),
            HandlingSpec("jyj", "assisting", answers=(AnswerSpec(
                "市教育局已将参观禁毒教育场馆纳入全市中小学生研学实践活动目录，待基地建成后组织各中学分批参观；"
                "目前依托朔城区、怀仁市两处禁毒教育展室，今年已组织4800余名中学生参观学习。基地建设选址和经费由"
                "主办单位商市财政局研究。", "B", letter=True,
            ),)),
        ),
        supervise=(
            "本议案列入市人大常委会年度重点督办议案。主办单位市公安局已逾期未答复，请加快基地选址和经费测算，"
            "尽快书面答复代表。"
        ),
    ),
    # ---- 已立案 registered --------------------------------------------------------------------------
    ProposalSpec(
        state="registered", session="npc_last", kind="suggestion", org="yingzhi", topic="child_care",
        lead="demo-delegate",
        title="关于将“圆梦助学”资助对象扩展至中职学生的建议",
        background=(
            "自2021年设立山西省青少年发展基金会朔州市青少年发展基金以来，团市委共筹集善款560万余元，通过希望工程"
            "“圆梦助学”行动资助学子1149名，资助金额207万元。\n\n"
            "“圆梦助学”主要资助考入大学的困难学生，就读中等职业学校的困难学生较少得到资助，而这部分学生家庭困难比例"
            "更高。"
        ),
        findings=(
            "应县职业中学对在校生家庭情况进行摸排，脱贫户和低保家庭学生占在校生的23.7%，其中有近三成学生反映除国家"
            "助学金外没有获得其他资助；对毕业生的跟踪显示，获得资助的学生中途辍学率明显低于未获资助学生。"
        ),
        recommendations=(
            "将就读中等职业学校的困难学生纳入“圆梦助学”资助范围，每年安排一定名额。",
            "鼓励本地企业设立冠名助学金，与受助学生签订实习就业意向。",
            "建立受助学生成长跟踪档案，由团组织开展结对帮扶。",
        ),
    ),
    ProposalSpec(
        state="registered", session="cppcc_last", kind="cppcc_proposal", org="qiming", topic="child_care",
        lead="yangfan",
        title="关于加强乡村学校少年宫建设的提案",
        background=(
            "乡村学校少年宫是农村孩子开展课外活动的重要阵地。平鲁区部分乡村学校少年宫建成多年，设备老化，辅导教师"
            "不足，开放时间不固定，作用发挥有限。\n\n"
            "农村孩子对科学实验、艺术、体育活动的兴趣浓厚，“科学实践课下乡”活动每次都很受欢迎。"
        ),
        findings=(
            "启明实验学校团委对区内乡村学校少年宫运行情况进行调查，正常开展活动的不足一半；辅导教师全部为兼职，每校"
            "平均2.4人；学生最希望开设的活动依次为科学实验、机器人、美术和篮球。"
        ),
        recommendations=(
            "安排专项经费对乡村学校少年宫设备进行更新。",
            "招募大学生志愿者和“返家乡”实践学生担任少年宫辅导员。",
            "将少年宫活动纳入课后服务，确保每周开放不少于3次。",
        ),
    ),
    # ---- 不予立案 not registered --------------------------------------------------------------------
    ProposalSpec(
        state="not_registered", session="npc_last", kind="suggestion", org="pinglu", topic="youth_friendly_city",
        lead="zhengjianjun",
        title="关于在平鲁区打造青年夜间经济街区的建议",
        background=(
            "夜间经济是展示城市活力、吸引青年消费和就业的重要载体。平鲁区城区夜间消费场景较少，青年下班后休闲娱乐"
            "选择有限。\n\n"
            "打造青年喜爱的夜间经济街区，有助于增强城市对青年的吸引力。"
        ),
        findings=(
            "团区委对城区青年进行问卷调查，回收有效问卷402份，71.9%的受访青年表示“晚上没有去处”，希望增加特色餐饮、"
            "文创市集和露天演出。"
        ),
        recommendations=(
            "在城区规划建设青年夜间经济街区，引入特色餐饮、文创市集。",
            "对入驻街区的青年创业者给予租金优惠。",
        ),
        note="经审查，所提事项属于商业网点规划和市场经营行为，已在区政府相关规划中统筹考虑，不予立案，转有关部门参考。",
    ),
    ProposalSpec(
        state="not_registered", session="npc_last", kind="suggestion", org="jingping", topic="drug_prevention",
        lead="hanyonggang",
        title="关于在网吧和娱乐场所开展青少年禁毒常态化宣传的建议",
        background=(
            "网吧、KTV等娱乐场所是青少年涉毒的高风险场所。目前禁毒宣传主要集中在学校和社区，娱乐场所覆盖不足。\n\n"
            "井坪镇团委联合派出所在辖区娱乐场所开展禁毒宣传，发现部分场所对禁毒宣传配合度不高。"
        ),
        findings=(
            "井坪镇团委对辖区14家网吧和娱乐场所走访，张贴禁毒宣传材料的仅有5家；对场所内青少年的随机访谈显示，多数人"
            "对新型毒品危害了解不多。"
        ),
        recommendations=(
            "将禁毒宣传纳入娱乐场所日常管理要求，由公安、文旅部门督促落实。",
            "组织青年志愿者定期到娱乐场所开展禁毒宣传。",
        ),
        note="所提事项与已立案的《关于建设朔州市青少年禁毒教育基地的议案》内容相近，并案办理，本件不予单独立案。",
    ),
    # ---- 已答复 answered ----------------------------------------------------------------------------
    ProposalSpec(
        state="answered", session="cppcc_last", kind="cppcc_proposal", org="city", topic="child_care",
        lead="hezhiyuan", demo_cosign=True,
        title="关于为重大疾病困境青少年建立医疗救助绿色通道的提案",
        background=(
            "团市委为罹患白血病、尿毒症、恶性肿瘤等重大疾病的19名朔籍青少年争取山西希望工程德伟爱心专项基金大病救助"
            "项目，及时回应了困境青少年的诉求。\n\n"
            "但重大疾病治疗费用高，医保报销后自付部分仍然很重，救助申请手续繁琐、等待时间长，不少家庭因病陷入困境。"
        ),
        findings=(
            "团市委对近两年申请大病救助的青少年家庭进行回访，患儿年均治疗费用在15万元以上，医保报销后家庭自付比例约为"
            "35%；从提出申请到获得救助平均需要2个多月，部分家庭被迫中断治疗。"
        ),
        recommendations=(
            "由医保、民政、卫健部门建立重大疾病困境青少年医疗救助绿色通道，简化审批流程。",
            "将重大疾病困境青少年纳入医疗救助重点对象，提高救助比例。",
            "整合希望工程、慈善总会等社会救助资源，建立信息共享和快速响应机制。",
        ),
        urgent=True,
        handlings=(
            HandlingSpec("ybj", answers=(AnswerSpec(
                "经研究，我局已将重大疾病困境青少年纳入医疗救助重点对象，经基本医保、大病保险报销后政策范围内的自付"
                "部分，救助比例由60%提高至70%，年度救助限额由8万元提高至10万元，自本年7月1日起执行。",
                "A", cosigners="satisfied", letter=True,
            ),)),
            HandlingSpec("mzj", "assisting", answers=(AnswerSpec(
                "我局会同团市委建立困境青少年大病救助信息共享机制，每月交换救助对象信息；临时救助审批时限由30个"
                "工作日压缩至15个工作日，对急难情形实行“先行救助、事后补办”。", "A", cosigners="satisfied",
            ),)),
            HandlingSpec("wjw", "assisting", answers=(AnswerSpec(
                "我委已要求市人民医院、市妇幼保健院开设重大疾病患儿就医绿色通道，实行“先诊疗后付费”。与省级医院"
                "建立远程会诊和转诊协作机制的工作正在推进，预计明年上半年完成。", "B", method="in_person",
                cosigners="basically_satisfied",
            ),)),
        ),
    ),
    ProposalSpec(
        state="answered", session="npc_last", kind="suggestion", org="city", topic="summer_practice",
        lead="demo-delegate",
        title="关于将“返家乡”社会实践纳入机关事业单位年度工作任务的建议",
        background=(
            "“返家乡”社会实践已连续开展6年，2271名朔州籍大学生在各个实践岗位中“受教育、长才干、作贡献”。参与实践的"
            "大学生表示，在政务服务中心参与社会实践，学习到许多课本上难以学到的宝贵知识。\n\n"
            "目前实践岗位主要靠团组织动员，各单位提供岗位的积极性不一，岗位数量和质量难以保证。"
        ),
        findings=(
            "团市委统计，近三年市直单位每年提供的实践岗位在300个左右，而报名学生每年超过600人；提供岗位的单位中，"
            "有明确带教人和实践计划的约占一半。"
        ),
        recommendations=(
            "将接收大学生“返家乡”社会实践纳入市直机关事业单位年度工作任务，每个单位每年提供不少于2个岗位。",
            "明确带教责任人，制定实践计划，实践结束后出具鉴定意见。",
            "将岗位提供和带教情况纳入单位精神文明建设考评。",
        ),
        handlings=(
            HandlingSpec("zzb", answers=(AnswerSpec(
                "经研究，我部已联合团市委印发通知，要求市直各单位每年寒暑假提供“返家乡”实践岗位，明确带教责任人和"
                "实践计划。今年暑期市直单位提供岗位412个，较去年增加三成以上。将岗位提供情况纳入精神文明建设考评的"
                "建议，将在明年考评细则修订时统筹考虑。", "B", letter=True,
            ),)),
            HandlingSpec("rsj", "assisting", answers=(AnswerSpec(
                "我局已将“返家乡”实践岗位纳入全市就业见习岗位库统一发布，对实践期满表现优秀的学生，毕业后参加见习"
                "的优先安排。", "A", method="phone",
            ),)),
        ),
    ),
    ProposalSpec(
        state="answered", session="npc_last", kind="suggestion", org="youyu", topic="volunteering",
        lead="sunguoqing",
        title="关于建立大型赛会志愿者服务成果转化机制的建议",
        background=(
            "山西省第十六届运动会期间，436名青年志愿者活跃在各项赛事中，累计服务时长达141728小时，从赛事服务、礼宾"
            "接待到场馆运行，尽显新时代朔州青年的青春风采。\n\n"
            "赛会结束后，志愿者队伍面临解散，赛会中积累的培训体系、管理经验和骨干力量没有得到有效延续。"
        ),
        findings=(
            "团县委对参与省运会服务的本县志愿者进行回访，90%以上表示愿意继续参加志愿服务，但其中仅有不到三分之一在"
            "赛会后参加过其他志愿活动；赛会期间开发的培训课程和管理制度尚未形成常态化使用机制。"
        ),
        recommendations=(
            "以省运会志愿者为骨干，组建全市大型活动志愿服务储备队伍。",
            "将赛会志愿者培训课程纳入全市志愿者培训体系。",
            "对参与大型赛会服务的优秀志愿者给予表彰，并在就业、入学等方面给予礼遇。",
        ),
        handlings=(
            HandlingSpec("wmb", answers=(AnswerSpec(
                "我办会同团市委以省运会志愿者为基础组建了全市大型活动志愿服务储备队伍，首批纳入骨干志愿者260名；"
                "赛会培训课程已纳入全市志愿者通用培训内容。志愿者礼遇政策正在研究制定中。", "B",
                rating="satisfied",
            ),)),
            HandlingSpec("tyj", "assisting", extend_by="2", extension_reason=(
                "市体育局报告：对优秀赛会志愿者的表彰须与省体育局的省运会总结表彰统一部署，省里方案尚未下发，"
                "申请延期两个月答复。"
            ), answers=(AnswerSpec(
                "省运会总结表彰方案已下发，我局推荐的48名优秀志愿者已纳入省级表彰；今后市级大型赛事将优先从储备"
                "队伍中招募志愿者，并为其办理赛事保险。", "A",
            ),)),
        ),
    ),
    # ---- 办结 closed --------------------------------------------------------------------------------
    ProposalSpec(
        state="closed", session="npc_last", kind="suggestion", org="taoci", topic="jobs", lead="demo-delegate",
        title="关于支持陶瓷e镇青年电商创业孵化的建议",
        draft_title="关于支持怀仁陶瓷电商青年创业的建议",
        background=(
            "怀仁市陶瓷e镇青年集中、电商孵化条件优越。团市委以成立团工委、设立青年之家和实训基地等方式延伸工作触角，"
            "依托陶瓷e镇直播间、电商产业孵化中心、陶瓷产业电商研发中心和陶瓷产业供应链，为青年提供电商培训和孵化平台。\n\n"
            "青年电商创业者仍面临孵化政策不明确、专业人才缺乏、物流成本高等困难，需要政府给予系统支持。"
        ),
        findings=(
            "团工委对入驻陶瓷e镇的128家青年电商创业团队开展调查，团队负责人平均年龄27.6岁，年销售额在100万元以下的"
            "占71.9%；创业者最迫切的需求依次为：运营人才培训（68.0%）、物流费用补贴（55.5%）、融资支持（49.2%）。"
        ),
        recommendations=(
            "将陶瓷e镇电商产业孵化中心认定为市级青年创业孵化基地，落实场地、水电等优惠政策。",
            "联合职业院校开设电商直播订单班，为园区定向培养运营人才。",
            "协调物流企业在园区设立集散中心，对青年电商企业给予物流费用补贴。",
        ),
        handlings=(
            HandlingSpec("hrzf", answers=(AnswerSpec(
                "陶瓷e镇电商产业孵化中心已认定为市级青年创业孵化基地，入驻青年团队三年内免收场地租金；我市已协调"
                "3家物流企业在园区设立集散点，青年电商企业物流成本平均下降约15%。", "A", rating="satisfied",
                letter=True,
            ),)),
            HandlingSpec("swj", "assisting", answers=(AnswerSpec(
                "已将陶瓷e镇纳入全市电子商务进农村综合示范项目，安排专项资金80万元用于直播基地设备和供应链建设。",
                "A", rating="satisfied",
            ),)),
            HandlingSpec("rsj", "assisting", answers=(AnswerSpec(
                "已支持怀仁市职业院校开设电商直播订单班，首期招收学员60名，培训合格的按规定给予职业技能培训补贴。",
                "A", method="phone", rating="satisfied",
            ),)),
        ),
    ),
    ProposalSpec(
        state="closed", session="npc_last", kind="motion", org="city", topic="volunteering", lead="wuchunmei",
        changes=True,
        title="关于完善青年志愿者服务时长认证与礼遇制度的议案",
        background=(
            "截至目前，全市青年志愿者共134725名，累计服务时长1335572.9小时，青年志愿者精神已成为深受全市青年喜爱的"
            "精神时尚。\n\n"
            "但志愿服务时长记录平台不统一，部分服务未能及时记录，志愿者服务时长在升学、就业、评优中的运用缺少制度安排，"
            "“志愿者有礼遇”尚未落到实处。"
        ),
        findings=(
            "团市委对全市志愿服务组织进行调查，使用统一平台记录服务时长的组织约占62%；对3000余名注册志愿者的问卷显示，"
            "有45.8%的志愿者曾遇到服务时长未被记录的情况，83.6%的志愿者希望服务时长能在评优、就业中得到认可。"
        ),
        recommendations=(
            "统一使用全国志愿服务信息系统记录服务时长，建立全市志愿服务时长认证制度。",
            "制定志愿者礼遇办法，对服务时长达到一定标准的志愿者在公共交通、景区游览、公共文化场馆等方面给予优待。",
            "在机关事业单位招录、国有企业招聘中，将志愿服务经历作为同等条件下优先考虑的因素。",
        ),
        handlings=(
            HandlingSpec("wmb", answers=(AnswerSpec(
                "全市已统一使用全国志愿服务信息系统记录服务时长；我办正在起草《朔州市志愿者礼遇办法》，拟对星级"
                "志愿者在公共文化场馆、景区游览等方面给予优待，计划年内提请市文明委审议。", "B",
                rating="basically_satisfied", letter=True,
            ),)),
            HandlingSpec("shgzb", "assisting", answers=(AnswerSpec(
                "机关事业单位招录、国有企业招聘中优先考虑志愿服务经历的建议，涉及国家和省公务员录用、事业单位公开"
                "招聘的有关规定，我市暂无调整权限，已向省委社会工作部书面反映，留作今后工作参考。", "C",
                method="in_person", rating="basically_satisfied",
            ),)),
        ),
        carry_to="npc",
    ),
    ProposalSpec(
        state="closed", session="npc_last", kind="suggestion", org="huairen", topic="marriage", lead="chenlixin",
        title="关于将青年交友联谊纳入工会和共青团常态化服务的建议",
        background=(
            "团市委动员全市各级团组织广泛开展“青春有约佳缘邂逅‘蓝’朋友”“青春有约 ‘昱’见爱情”“激扬青春 缘在太铁”"
            "等青年交友联谊活动，为各行业青年扩大交流“朋友圈”提供了机会。\n\n"
            "但联谊活动多为临时组织，经费靠各单位自筹，频次和规模受限，难以满足青年需求。"
        ),
        findings=(
            "团市委对参加联谊活动的青年进行回访，回收有效问卷620份，89.2%的参与者对活动表示满意，76.4%希望活动"
            "“每季度至少一次”；活动经费平均每场约1.5万元，主要由承办单位自筹。"
        ),
        recommendations=(
            "将青年交友联谊纳入工会、共青团年度常态化服务项目，安排专项经费。",
            "建立跨行业、跨系统的联谊活动协作机制，打破单位和行业界限。",
            "加强活动安全管理和个人信息保护。",
        ),
        handlings=(
            HandlingSpec("zgh", answers=(AnswerSpec(
                "我会已将青年职工交友联谊纳入年度普惠服务项目，安排专项经费20万元；怀仁市总工会与团市委、妇联建立"
                "联谊活动协作机制，今年联合举办跨行业联谊活动6场，参与青年1100余人次。", "A", rating="satisfied",
            ),)),
            HandlingSpec("fl", "assisting", answers=(AnswerSpec(
                "我会已在“妇女之家”开展婚恋观教育和婚姻家庭辅导，联谊活动报名实行实名审核，参与者个人信息由"
                "主办方专人管理、活动结束后销毁。", "A", method="phone", rating="satisfied",
            ),)),
        ),
    ),
    ProposalSpec(
        state="closed", session="cppcc_last", kind="cppcc_proposal", org="xingan", topic="volunteering",
        lead="demo-delegate2",
        title="关于推动志愿服务进校园并纳入综合素质评价的提案",
        background=(
            "志愿服务是青少年思想品德教育的重要途径。朔城区兴安学校是农村寄宿制学校，学生参与志愿服务的机会较少，学校"
            "开展志愿服务缺少规范指导。\n\n"
            "将志愿服务纳入学生综合素质评价，有助于引导青少年从小树立奉献意识。"
        ),
        findings=(
            "兴安学校团委对全校学生进行调查，参加过志愿服务的学生占34.6%，其中大部分为学校组织的校内劳动；92.1%的"
            "学生表示愿意参加校外志愿服务，但缺少组织渠道。"
        ),
        recommendations=(
            "将志愿服务纳入中小学生综合素质评价体系，明确服务时长要求。",
            "由团组织和少先队组织开展适合青少年的志愿服务项目。",
            "为农村学校学生参加校外志愿服务提供交通和安全保障。",
        ),
        handlings=(
            HandlingSpec("jyj", answers=(
                AnswerSpec(
                    "学生综合素质评价的内容和标准由省教育厅统一制定，受权限所限，我市暂无法调整，将把提案意见向省"
                    "教育厅反映。各学校可结合实际组织学生参加志愿服务活动。", "C", rating="unsatisfied",
                    comment="答复只说明无权调整，没有提出本市可以落实的措施，农村学校学生参加志愿服务的问题没有回应。",
                ),
                AnswerSpec(
                    "经重新研究，我局已印发《朔州市中小学生志愿服务实施意见》，将志愿服务情况记入学生成长记录，明年"
                    "起在朔城区、右玉县试点；会同团市委、少工委为农村寄宿制学校每校对接1个志愿服务项目，交通和保险"
                    "由项目经费保障。纳入综合素质评价的意见已书面报省教育厅。", "B", method="in_person",
                    rating="basically_satisfied", letter=True,
                ),
            )),
        ),
    ),
    ProposalSpec(
        state="closed", session="cppcc_last", kind="cppcc_proposal", org="yingzhi", topic="jobs", lead="shizhenyu",
        title="关于推动职业院校与本地企业共建订单班的提案",
        background=(
            "职业院校毕业生是本地产业工人的重要来源。应县职业中学毕业生外出就业比例较高，本地企业反映“招不到合适的"
            "技术工人”，校企对接存在“两张皮”现象。\n\n"
            "订单班培养模式能够实现学生、学校、企业三方共赢。"
        ),
        findings=(
            "应县职业中学近三届毕业生中，在本地就业的占31.5%；对县内42家规模以上企业的调查显示，78.6%的企业存在技术"
            "工人缺口，61.9%的企业愿意与学校合作开设订单班。"
        ),
        recommendations=(
            "建立校企合作订单班扶持政策，对合作企业给予税费减免或补贴。",
            "由人社、教育部门搭建校企对接平台，每年组织一次校企合作洽谈会。",
            "订单班学生毕业后在合作企业就业满两年的，给予一次性就业补贴。",
        ),
        handlings=(
            HandlingSpec("rsj", answers=(AnswerSpec(
                "我局已将校企合作订单班纳入产教融合重点工作，今年组织校企合作洽谈会2场，应县职业中学与4家本地企业"
                "签订订单班协议。对合作企业的补贴政策正在研究，一次性就业补贴按现行就业补贴政策执行。", "B",
                rating="basically_satisfied",
            ),)),
            HandlingSpec("jyj", "assisting", answers=(AnswerSpec(
                "已将订单班培养纳入中职学校专业设置评估，支持应县职业中学新增机电技术应用订单班2个。", "A",
                rating="satisfied",
            ),)),
        ),
    ),
)  # fmt: skip

# --- The consultation thread --------------------------------------------------------------------------

COORDINATOR_DRAFT_COMMENTS = (
    "请结合今年“共青团与人大代表、政协委员面对面”活动收集的青年诉求，尽快完善理由部分。",
    "案由再聚焦一些，一件建议只提一个主要问题。",
    "请和县（市、区）团委对接，补充本地的具体数据。",
)
# The secretary's note on a proposal whose research summary is written but whose evidence is not uploaded yet.
DELEGATE_REQUEST_NOTE = "调研已近尾声，请为本建议指派一名熟悉青年就业工作的领衔代表。"
EVIDENCE_PENDING_NOTE = "调研报告已完成。问卷原始数据正在脱敏处理，座谈会纪要待参会单位确认，整理好后作为佐证材料上传。"
SECRETARY_RESEARCH_NOTES = (
    "问卷已回收，正在整理数据，预计下周完成调研报告。",
    "已约请相关部门座谈，座谈纪要整理后上传。",
    "调研提纲已发各基层团组织，请于本周内反馈。",
)
LEAD_QUESTIONS = (
    "理由部分写得扎实。建议在调研情况里补充与省内其他地市的对比，增强说服力。",
    "第一条建议涉及财政资金，请注明大致的经费规模和承办部门，便于交办。",
    "我在选区走访时也听到类似反映，建议补充一两个具体案例。",
    "文字再精炼一些，案由控制在一句话内，具体建议要可操作、可落实。",
)
COSIGNER_COMMENTS = (
    "同意联名，建议第三条再具体一些。",
    "很有针对性，我所在的界别也很关注这个问题。",
    "支持。建议办理时请团市委跟踪反馈。",
)
# A delegate's change request and the revision that answers it: (request, field, addition).
CHANGE_REQUESTS = (
    (
        "请补充经费来源和责任单位，具体建议要能落地。",
        "recommendations",
        "明确责任分工和经费保障：由财政统筹安排专项经费，相关部门按职责抓好落实，团组织牵头做好跟踪问效。",
    ),
    (
        "调研样本偏少，请补充县（市、区）层面的数据后再协商。",
        "research_findings",
        "补充调研：会同六个县（市、区）团委再次开展抽样调查，新增有效问卷600余份，结论与前期调研基本一致。",
    ),
    (
        "建议与已出台的政策有交叉，请梳理现有文件，突出新增诉求。",
        "recommendations",
        "加强与现有政策的衔接，避免重复建设，优先在基础较好的县（市、区）开展试点，取得经验后逐步推开。",
    ),
)
ENDORSE_NOTE = "同意定稿，由我领衔提交。"
REOPEN_NOTE = "市有关部门近期出台了新政策，需对照调整第三条建议，重新协商。"
REOPEN_ADDITION = "与近期出台的青年发展政策做好衔接，将相关措施纳入年度重点工作。"
DECLINE_NOTE = "本人近期工作变动，无法参加后续协商，不再联名，请谅解。"
REGISTER_NOTES = {
    "npc": "经审查，符合立案条件，予以立案，交有关部门办理。",
    "cppcc": "经市政协提案委员会审查，予以立案，交有关单位办理。",
}

# --- Evidence -----------------------------------------------------------------------------------------

# The survey question behind each topic's CSV: (question, ((option, share), ...)).
SURVEYS: dict[str, tuple[str, tuple[tuple[str, float], ...]]] = {
    "jobs": ("您在就业创业中最需要哪方面的支持？",
             (("技能培训", 0.38), ("资金支持", 0.27), ("场地和孵化", 0.19), ("政策咨询", 0.11), ("其他", 0.05))),
    "mental_health": ("最近一个月，您是否经常感到焦虑或情绪低落？",
                      (("经常", 0.21), ("有时", 0.43), ("很少", 0.26), ("从不", 0.10))),
    "marriage": ("您认为青年婚恋的主要困难是什么？",
                 (("交际圈子窄", 0.41), ("经济压力大", 0.32), ("工作太忙", 0.18), ("其他", 0.09))),
    "drug_prevention": ("您能否识别伪装成零食、饮料的新型毒品？",
                        (("能准确识别", 0.28), ("能识别部分", 0.39), ("不能识别", 0.33))),
    "child_care": ("孩子平时主要由谁照看？",
                   (("祖辈", 0.52), ("父母一方", 0.31), ("父母双方", 0.12), ("其他亲属", 0.05))),
    "volunteering": ("您最希望在哪里参加志愿服务？",
                     (("居住社区", 0.46), ("学校或单位", 0.24), ("大型活动", 0.18), ("线上", 0.12))),
    "summer_practice": ("您希望参加哪类社会实践岗位？",
                        (("政务实践", 0.34), ("乡村振兴", 0.27), ("社区服务", 0.21), ("文化宣传", 0.18))),
    "youth_friendly_city": ("您最希望城市为青年增加哪类设施？",
                            (("运动场地", 0.37), ("自习和阅读空间", 0.26), ("青年公寓", 0.22), ("文创市集", 0.15))),
    "other": ("您每周参加文化活动的次数是？",
              (("3次以上", 0.12), ("1-2次", 0.35), ("偶尔", 0.38), ("从不", 0.15))),
}  # fmt: skip


# --- Young people's needs (青年诉求, #16) -------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class NeedSpec:
    """One need young people raised, and what triage made of it.

    org: the organisation that heard it (a branch key, a county key or "city"); online: submitted on its public
    page rather than recorded. outcome: "pending", "accepted", "merged" (into the need `into`), "declined" (with
    `reason`) or "forwarded" (to the committee above, with `note`; accepted there under `theme` if one is given).
    carried_by: titles of demo proposals an accepted need is linked to (before they were answered: whoever asked
    for a reply hears the answers). contact: (name, phone, email) with the person's consent; none without it.
    days_ago: when it came in, for needs no proposal carries (the others come in before their proposals).
    """

    key: str
    org: str
    summary: str
    topic: str
    channel: str
    people: int = 1
    county: str = ""
    age_group: str = ""
    group: str = ""
    details: str = ""
    contact: tuple[str, str, str] | None = None
    wants_reply: bool = False
    language: str = "zh-hans"
    online: bool = False
    outcome: str = "pending"
    theme: str = ""
    into: str = ""
    reason: str = ""
    note: str = ""
    carried_by: tuple[str, ...] = ()
    days_ago: int = 10


NEED_EMAIL_DOMAIN = "mail.youth.example"

NEEDS: tuple[NeedSpec, ...] = (
    # Carried into answered or closed proposals: their people hear the units' answers.
    NeedSpec(
        key="taoci-incubator",
        org="taoci",
        summary="希望为电商创业青年提供免租孵化工位和直播设备",
        topic="jobs",
        channel="survey",
        people=86,
        county="huairen",
        age_group="18_24",
        group="entrepreneurs",
        details="陶瓷e镇青年电商问卷中，86名受访青年反映起步阶段场地租金和直播设备投入压力大，希望有免租孵化工位。",
        contact=("赵雨晴", "13934900101", f"zhaoyuqing@{NEED_EMAIL_DOMAIN}"),
        wants_reply=True,
        outcome="accepted",
        theme="青年电商创业孵化",
        carried_by=("关于支持陶瓷e镇青年电商创业孵化的建议",),
    ),
    NeedSpec(
        key="taoci-incubator-forum",
        org="taoci",
        summary="直播电商青年希望有人指导选品和运营",
        topic="jobs",
        channel="forum",
        people=23,
        county="huairen",
        age_group="18_24",
        group="entrepreneurs",
        details="青年电商座谈会上，23名主播提出缺少选品、运营方面的系统指导。",
        contact=("Li Ming", "", f"liming@{NEED_EMAIL_DOMAIN}"),
        wants_reply=True,
        language="en",
        outcome="merged",
        into="taoci-incubator",
    ),
    NeedSpec(
        key="huairen-dating",
        org="huairen",
        summary="希望多组织面向企业青年职工的交友联谊活动",
        topic="marriage",
        channel="visit",
        people=54,
        county="huairen",
        age_group="25_35",
        group="young_workers",
        details="走访工业园区企业时，青年职工普遍反映工作圈子小，希望工会和团组织常态化组织交友联谊。",
        contact=("孙晓彤", "13835000202", f"sunxiaotong@{NEED_EMAIL_DOMAIN}"),
        wants_reply=True,
        outcome="accepted",
        theme="青年婚恋交友服务",
        carried_by=("关于将青年交友联谊纳入工会和共青团常态化服务的建议",),
    ),
    NeedSpec(
        key="city-illness",
        org="city",
        summary="重大疾病困境青少年家庭希望简化医疗救助申请流程",
        topic="child_care",
        channel="hotline",
        people=12,
        county="shuocheng",
        age_group="14_17",
        group="students",
        details="12355青少年服务热线接到多个家庭来电，反映大病救助需跑多个部门、报销周期长。",
        contact=("刘女士", "13703490303", f"liunvshi@{NEED_EMAIL_DOMAIN}"),
        wants_reply=True,
        outcome="accepted",
        theme="困境青少年医疗救助",
        carried_by=("关于为重大疾病困境青少年建立医疗救助绿色通道的提案",),
    ),
    NeedSpec(
        key="city-drugs",
        org="city",
        summary="希望有固定场所让中小学生参观体验禁毒教育",
        topic="drug_prevention",
        channel="letter",
        people=31,
        county="shuocheng",
        age_group="14_17",
        group="students",
        details="多所学校团委来信，希望全市建设一处可供学生集中参观的禁毒教育基地。",
        outcome="accepted",
        theme="青少年禁毒教育",
        carried_by=("关于建设朔州市青少年禁毒教育基地的议案",),
    ),
    NeedSpec(
        key="xingan-volunteer",
        org="xingan",
        summary="学生希望志愿服务时长能计入综合素质评价",
        topic="volunteering",
        channel="forum",
        people=140,
        county="shuocheng",
        age_group="14_17",
        group="students",
        details="兴安学校“青春议事会”上，学生代表提出志愿服务记录应得到学校认可。",
        contact=("马同学的家长", "", f"ma.parent@{NEED_EMAIL_DOMAIN}"),
        wants_reply=True,
        outcome="accepted",
        theme="志愿服务进校园",
        carried_by=("关于推动志愿服务进校园并纳入综合素质评价的提案",),
    ),
    NeedSpec(
        key="yingzhi-order-class",
        org="yingzhi",
        summary="中职学生希望毕业就能进本地企业工作",
        topic="jobs",
        channel="meeting",
        people=65,
        county="yingxian",
        age_group="14_17",
        group="students",
        details="“面对面”活动中，应县职业中学学生向代表提出希望学校与本地企业合办订单班。",
        outcome="accepted",
        theme="职业院校校企合作",
        carried_by=("关于推动职业院校与本地企业共建订单班的提案",),
    ),
    NeedSpec(
        key="youyu-volunteer",
        org="youyu",
        summary="赛会志愿者希望服务经历能转化为就业加分",
        topic="volunteering",
        channel="survey",
        people=210,
        county="youyu",
        age_group="18_24",
        group="students",
        details="右玉马拉松赛会志愿者回访问卷中，210人希望服务经历在招聘中得到认可。",
        contact=("周凯", "13994900404", ""),
        outcome="accepted",
        theme="志愿服务成果转化",
        carried_by=("关于建立大型赛会志愿者服务成果转化机制的建议",),
    ),
    # Carried into proposals still on their way.
    NeedSpec(
        key="riders",
        org="shuocheng",
        summary="外卖骑手希望解决工伤保障和休息驿站问题",
        topic="jobs",
        channel="visit",
        people=47,
        county="shuocheng",
        age_group="25_35",
        group="delivery_riders",
        details="“暖蜂”慰问活动中，47名快递员、外卖小哥反映职业伤害保障不足，冬季缺少取暖歇脚的地方。",
        contact=("王师傅", "13613490505", ""),
        outcome="forwarded",
        note="涉及全市新就业形态劳动者，请市委统筹。",
        theme="新就业形态青年权益",
        carried_by=("关于加强快递员、外卖骑手等新就业形态青年权益保障的建议",),
    ),
    NeedSpec(
        key="qiming-counselling",
        org="qiming",
        summary="寄宿学生希望学校有能倾诉心事的心理老师",
        topic="mental_health",
        channel="survey",
        people=318,
        county="pinglu",
        age_group="under_14",
        group="students",
        details="启明实验学校寄宿生心理健康问卷中，318名学生表示遇到烦恼不知道找谁说。",
        outcome="accepted",
        theme="农村学校心理健康服务",
        carried_by=("关于在农村寄宿制学校建设心理辅导室的建议",),
    ),
    NeedSpec(
        key="beizhouzhuang-left-behind",
        org="beizhouzhuang",
        summary="留守儿童希望周末有人陪伴辅导作业",
        topic="child_care",
        channel="visit",
        people=42,
        county="shanyin",
        age_group="under_14",
        group="students",
        details="少先队辅导员家访42户留守儿童家庭，祖辈监护人普遍无力辅导孩子学习。",
        outcome="accepted",
        theme="留守儿童亲情陪伴",
        carried_by=("关于建立农村留守儿童“亲情陪伴”志愿服务机制的提案",),
    ),
    NeedSpec(
        key="graduates-trainee",
        org="city",
        summary="返朔大学生希望增加就业见习岗位并提高见习补贴",
        topic="jobs",
        channel="survey",
        people=263,
        age_group="18_24",
        group="job_seekers",
        details="“返家乡”大学生问卷中，263人反映本地见习岗位少、补贴标准低于周边城市。",
        contact=("陈同学", "", f"chen.graduate@{NEED_EMAIL_DOMAIN}"),
        wants_reply=True,
        outcome="accepted",
        theme="青年就业见习",
        carried_by=("关于加大高校毕业生返朔就业见习补贴力度的提案",),
    ),
    NeedSpec(
        key="taoci-livestream-stress",
        org="taoci",
        summary="直播从业青年希望获得心理减压服务",
        topic="mental_health",
        channel="online",
        online=True,
        age_group="18_24",
        group="young_workers",
        details="连续熬夜直播，压力很大，身边不少主播都有焦虑失眠的情况，希望能有心理咨询。",
        contact=("小林", "", f"xiaolin@{NEED_EMAIL_DOMAIN}"),
        wants_reply=True,
        outcome="accepted",
        theme="新业态青年心理健康",
        carried_by=("关于为电商直播从业青年提供心理健康服务的建议",),
    ),
    # Waiting for triage: the secretaries' and coordinators' inboxes.
    NeedSpec(
        key="taoci-housing",
        org="taoci",
        summary="外地来怀仁工作的青年希望租到价格合适的青年公寓",
        topic="youth_friendly_city",
        channel="online",
        online=True,
        age_group="25_35",
        group="young_workers",
        details="我在陶瓷e镇做电商运营，附近合适的出租房很少，希望能有青年公寓。",
        contact=("韩磊", "13513490606", ""),
        days_ago=3,
    ),
    NeedSpec(
        key="taoci-night-school",
        org="taoci",
        summary="希望开设面向青年的夜校课程",
        topic="youth_friendly_city",
        channel="online",
        online=True,
        age_group="25_35",
        group="young_workers",
        details="下班后想学摄影和短视频剪辑，希望团委能开夜校。",
        days_ago=2,
    ),
    NeedSpec(
        key="taoci-childcare",
        org="taoci",
        summary="双职工青年家庭希望有暑期托管服务",
        topic="child_care",
        channel="hotline",
        people=9,
        county="huairen",
        age_group="25_35",
        group="young_workers",
        details="12355热线记录：9位青年家长反映暑假孩子无人照看。",
        days_ago=5,
    ),
    NeedSpec(
        key="qiming-cyberbullying",
        org="qiming",
        summary="学生希望学校开展防范网络欺凌的讲座",
        topic="other",
        channel="letter",
        people=17,
        county="pinglu",
        age_group="14_17",
        group="students",
        details="学生会来信，反映班级群里出现辱骂和恶意传播照片的情况。",
        days_ago=6,
    ),
    NeedSpec(
        key="gucheng-drones",
        org="gucheng",
        summary="农村青年希望参加植保无人机驾驶培训",
        topic="jobs",
        channel="meeting",
        people=28,
        county="shanyin",
        age_group="18_24",
        group="rural_youth",
        details="与人大代表面对面座谈时，28名返乡青年提出希望免费考取无人机驾驶证。",
        outcome="forwarded",
        note="培训资源在县里，请县委统筹。",
        days_ago=8,
    ),
    # Declined, with the reason the person can be told.
    NeedSpec(
        key="jingping-wage",
        org="jingping",
        summary="希望团委帮忙讨要被拖欠的工资",
        topic="jobs",
        channel="hotline",
        people=1,
        county="pinglu",
        age_group="25_35",
        group="young_workers",
        details="12355热线来电，反映在建筑工地务工被拖欠三个月工资。",
        outcome="declined",
        reason="属于个人劳动争议，已告知来电人向平鲁区劳动保障监察大队投诉，并提供了法律援助热线。",
        days_ago=20,
    ),
    NeedSpec(
        key="hongwen-phones",
        org="hongwen",
        summary="希望允许学生在校使用手机",
        topic="other",
        channel="forum",
        people=36,
        county="huairen",
        age_group="14_17",
        group="students",
        details="学生议事会上有学生提出希望放宽校园手机管理。",
        outcome="declined",
        reason="与教育部门关于中小学生手机管理的规定不符，已向学生说明规定的考虑。",
        days_ago=15,
    ),
    NeedSpec(
        key="mingde-game",
        org="mingde",
        summary="希望取消网络游戏防沉迷时间限制",
        topic="other",
        channel="online",
        online=True,
        age_group="under_14",
        group="students",
        outcome="declined",
        reason="防沉迷规定保护未成年人身心健康，不予采纳；已转为网络素养教育的参考。",
        days_ago=12,
    ),
    # A duplicate merged into another, the counts added up.
    NeedSpec(
        key="youyu-volunteer-2",
        org="youyu",
        summary="志愿者希望服务证明在求职时有用",
        topic="volunteering",
        channel="letter",
        people=19,
        county="youyu",
        age_group="18_24",
        group="students",
        outcome="merged",
        into="youyu-volunteer",
    ),
)


# --- Face-to-face meetings (共青团与人大代表、政协委员面对面) ------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MeetingSpec:
    """One face-to-face meeting a county committee held (days_ago > 0) or will hold (< 0): the delegates by
    username, the needs discussed by key (the proposals carrying them are the ones it advanced), the minutes of
    a meeting held."""

    org: str
    theme: str
    place: str
    days_ago: int
    hour: int = 15
    delegates: tuple[str, ...]
    young_people: int
    others: str = ""
    agenda: str
    minutes: str = ""
    needs: tuple[str, ...] = ()


MEETINGS: tuple[MeetingSpec, ...] = (
    MeetingSpec(
        org="shuocheng",
        theme="新就业形态青年权益保障面对面",
        place="朔城区青年之家",
        days_ago=120,
        delegates=("wanghaiyan", "wuchunmei", "hezhiyuan"),
        young_people=42,
        others="区人社局、区总工会有关负责同志",
        agenda="一、外卖骑手、快递员代表介绍工作和生活情况；二、代表委员与青年交流；三、梳理形成建议。",
        minutes="到会外卖骑手、快递员等新就业形态青年42名。青年集中反映社会保险参保难、恶劣天气配送考核过严、"
        "缺少休息驿站等问题。王海燕代表表示将就权益保障问题提出建议，何志远委员建议把“暖心驿站”纳入城市"
        "更新项目。会后由团区委整理诉求，形成建议稿。",
        needs=("riders",),
    ),
    MeetingSpec(
        org="pinglu",
        theme="农村学校心理健康服务面对面",
        place="平鲁区启明实验学校",
        days_ago=95,
        delegates=("lizhiqiang", "zhengjianjun", "yangfan"),
        young_people=28,
        others="区教育局、学校心理教师代表",
        agenda="一、走访寄宿制学校心理辅导室；二、听取教师和家长意见；三、代表委员交流。",
        minutes="代表委员实地查看了学校心理辅导室，听取了教师、家长和学生代表意见。与会人员认为农村寄宿制学校"
        "专职心理教师缺口大，建议按师生比配备并开展全员培训。杨帆委员将相关意见带到政协教育界小组讨论。",
        needs=("qiming-counselling",),
    ),
    MeetingSpec(
        org="shanyin",
        theme="农村留守儿童关爱面对面",
        place="山阴县古城镇新时代文明实践站",
        days_ago=80,
        delegates=("zhangxiaodong", "chuhongxia", "lvxiaoyan"),
        young_people=35,
        agenda="一、留守儿童家长代表发言；二、志愿者介绍“亲情陪伴”活动；三、代表委员交流。",
        minutes="与会家长和志愿者反映，留守儿童周末和假期缺少陪伴，亲情电话、作业辅导需求集中。吕晓燕委员建议"
        "建立“亲情陪伴”志愿服务长效机制，由团县委、县妇联共同推动，相关内容已形成提案。",
        needs=("beizhouzhuang-left-behind",),
    ),
    MeetingSpec(
        org="yingxian",
        theme="职业院校学生就业面对面",
        place="应县职业中学",
        days_ago=60,
        delegates=("zhaoliping", "weipengfei", "xuwenhua"),
        young_people=50,
        others="本地企业人力资源负责人",
        agenda="一、职校学生和企业代表交流；二、代表委员听取订单班设想；三、形成校企合作建议。",
        minutes="学生代表反映实习岗位与专业不对口，企业代表愿意共建订单班。许文华委员建议对参与订单班的企业给予"
        "补贴，由应县职业中学牵头与企业对接。",
        needs=("yingzhi-order-class",),
    ),
    MeetingSpec(
        org="youyu",
        theme="青年志愿服务面对面",
        place="右玉县青年志愿者之家",
        days_ago=45,
        delegates=("sunguoqing", "jiangyulan"),
        young_people=30,
        agenda="一、赛会志愿者代表分享经历；二、讨论志愿服务成果转化；三、代表交流。",
        minutes="志愿者代表希望服务时长能用于评优和就业推荐。孙国庆代表建议建立志愿服务成果转化机制，由团县委"
        "会同县文明办研究具体办法。",
        needs=("youyu-volunteer",),
    ),
    # Held nine days ago, no minutes yet: its recorder has the reminder to write them.
    MeetingSpec(
        org="shuocheng",
        theme="高校毕业生返朔就业面对面",
        place="朔州师范高等专科学校",
        days_ago=9,
        delegates=("hanyonggang", "fengxue"),
        young_people=80,
        agenda="一、应届毕业生代表发言；二、人社部门介绍见习补贴政策；三、代表委员交流。",
        needs=("graduates-trainee",),
    ),
    MeetingSpec(
        org="huairen",
        theme="电商直播从业青年心理健康面对面",
        place="怀仁市陶瓷e镇党群服务中心",
        days_ago=150,
        delegates=("demo-delegate", "zhouwenbin", "qinhuimin"),
        young_people=36,
        agenda="一、电商直播青年代表介绍工作压力；二、心理咨询师介绍服务情况；三、代表委员交流。",
        minutes="到会电商直播从业青年36名。青年反映工作时间长、收入波动大，焦虑情绪较普遍，希望在产业园就近获得"
        "心理咨询。刘振华代表表示将领衔提出建议，秦慧敏委员建议把心理服务纳入行业培训。",
        needs=("taoci-livestream-stress",),
    ),
    MeetingSpec(
        org="huairen",
        theme="青年电商创业与婚恋交友面对面",
        place="怀仁市陶瓷e镇青年创业园",
        days_ago=-10,
        hour=14,
        delegates=("demo-delegate", "zhouwenbin", "chenlixin", "baixiaojun"),
        young_people=60,
        others="市人社局、市妇联有关负责同志",
        agenda="一、电商直播青年介绍创业情况；二、青年交友联谊需求交流；三、代表委员与青年面对面交流。",
        needs=("taoci-incubator", "huairen-dating"),
    ),
)
