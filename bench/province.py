"""The benchmark's world: the province of Shanxi (#18), built on top of the demo's Shuozhou.

The demo seeds the city committee of Shuozhou with its six counties and fourteen branches. Above it stands the
province committee (共青团山西省委): the demo's own where it has one, else made here and the city moved under it
through `Organisation.save` (which moves the city's subtree's paths with it). Beside Shuozhou come Shanxi's other
ten cities with their real counties and districts (117 in all with Shuozhou's), and about 5,000 branches
(schools, towns and townships, companies, hospitals; universities and province-wide companies under the province
itself) named deterministically from the seed. Each city holds about the same number of branches, so that a city
committee sees about a tenth of the province and a county committee about a hundredth.

Organisations and people are written by `bulk_create`, the paths then recomputed by `tree.rebuild_paths`. Every
branch gets a secretary and every committee a coordinator (`bench-secretary-*`, `bench-coordinator-*`, the
province's `PROVINCE_COORDINATOR`), unless the demo already gave it one. Sessions of the people's congress and
the CPPCC at province, city and county or district level are held every year of the ten past, and one of each
is coming for every region the demo has none for.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password

from demo import data
from proposals import tree
from proposals.models import Organisation, Session, User

SHANGHAI = ZoneInfo("Asia/Shanghai")
PROVINCE = ("共青团山西省委", "山西省")
PROVINCE_COORDINATOR = "bench-province-coordinator"
BRANCHES = 5_000  # in all, the demo's fourteen included
PROVINCE_BRANCHES = (
    "山西大学团委", "太原理工大学团委", "中北大学团委", "山西医科大学团委", "山西财经大学团委", "山西师范大学团委",
    "山西农业大学团委", "太原科技大学团委", "山西焦煤集团有限责任公司团委", "晋能控股集团有限公司团委",
)  # fmt: skip
CITY_BRANCHES = ("职业技术学院团委", "第一中学校团委", "人民医院团委", "供电公司团委", "技师学院团委",
                 "公共交通集团团委", "农村商业银行团委", "青年企业家协会团支部")  # fmt: skip

# Shanxi's cities in the official order, with their districts, counties and county-level cities in theirs.
# A district called 城区, 矿区 or 郊区 is named with its city (two cities have a 城区).
CITIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("太原市", ("小店区", "迎泽区", "杏花岭区", "尖草坪区", "万柏林区", "晋源区", "清徐县", "阳曲县", "娄烦县",
               "古交市")),
    ("大同市", ("新荣区", "平城区", "云冈区", "云州区", "阳高县", "天镇县", "广灵县", "灵丘县", "浑源县", "左云县")),
    ("朔州市", ()),  # the demo's, with its six
    ("忻州市", ("忻府区", "定襄县", "五台县", "代县", "繁峙县", "宁武县", "静乐县", "神池县", "五寨县", "岢岚县",
               "河曲县", "保德县", "偏关县", "原平市")),
    ("阳泉市", ("城区", "矿区", "郊区", "平定县", "盂县")),
    ("吕梁市", ("离石区", "文水县", "交城县", "兴县", "临县", "柳林县", "石楼县", "岚县", "方山县", "中阳县",
               "交口县", "孝义市", "汾阳市")),
    ("晋中市", ("榆次区", "太谷区", "榆社县", "左权县", "和顺县", "昔阳县", "寿阳县", "祁县", "平遥县", "灵石县",
               "介休市")),
    ("长治市", ("潞州区", "上党区", "屯留区", "潞城区", "襄垣县", "平顺县", "黎城县", "壶关县", "长子县", "武乡县",
               "沁县", "沁源县")),
    ("晋城市", ("城区", "沁水县", "阳城县", "陵川县", "泽州县", "高平市")),
    ("临汾市", ("尧都区", "曲沃县", "翼城县", "襄汾县", "洪洞县", "古县", "安泽县", "浮山县", "吉县", "乡宁县",
               "大宁县", "隰县", "永和县", "蒲县", "汾西县", "侯马市", "霍州市")),
    ("运城市", ("盐湖区", "临猗县", "万荣县", "闻喜县", "稷山县", "新绛县", "绛县", "垣曲县", "夏县", "平陆县",
               "芮城县", "永济市", "河津市")),
)  # fmt: skip
AMBIGUOUS = {"城区", "矿区", "郊区"}

# What branch names are made of: the county's name, then a town, a school or a company, then the committee.
PLACE_CHARS = "东西南北上下大小新古石龙凤安平宁泉河山沟庄堡营峪川阳城关家店坪头口寨马王杨李张高"
SCHOOLS = ("中学", "实验中学", "实验小学", "职业中学", "中心学校", "高级中学", "第二中学", "第三中学", "育才学校",
           "民族中学", "特殊教育学校", "第一小学")  # fmt: skip
TOWN_UNITS = (("镇", "团委"), ("乡", "团委"), ("街道", "团工委"), ("村", "团支部"), ("社区", "团支部"))
COMPANIES = ("煤业有限公司", "供电公司", "农村商业银行", "建筑工程有限公司", "物流有限公司", "电子商务产业园",
             "人民医院", "中医院", "妇幼保健院", "自来水公司", "新能源有限公司", "文旅集团", "市场监督管理局",
             "青年志愿者协会")  # fmt: skip
COMPANY_UNITS = ("团委", "团支部", "团总支")


def committee_name(region: str) -> str:
    return f"共青团{region}委"


def session_names(region: str, year: int) -> dict[str, str]:
    return {"npc": f"{region}人民代表大会{year}年会议", "cppcc": f"政协{region}委员会{year}年会议"}


@dataclass
class Built:
    province: Organisation
    organisations: int = 0
    users: int = 0
    sessions: int = 0
    notes: dict = field(default_factory=dict)


def build(rng: random.Random, now: dt.datetime, past_years: int) -> Built:
    """Make the province around the demo's city. Runs once per database, right after `seed_demo`."""
    province = ensure_province()
    add_cities_and_counties(province)
    add_branches(rng, province)
    tree.rebuild_paths(Organisation)
    users = add_people(rng)
    sessions = add_sessions(rng, now, past_years)
    return Built(province, Organisation.objects.count(), users, sessions)


def ensure_province() -> Organisation:
    roots = list(Organisation.objects.filter(parent=None).order_by("pk"))
    province = next((o for o in roots if o.level == Organisation.Level.PROVINCE), None)
    if province is None:  # the demo has no province above its city yet: make it and move the city under it
        province = Organisation(name=PROVINCE[0], level=Organisation.Level.PROVINCE, region=PROVINCE[1])
        province.save()
    for position, (region, _counties) in enumerate(CITIES, start=1):
        city = next((o for o in roots if o.level == Organisation.Level.CITY and o.region == region), None)
        if city is not None:
            city.parent, city.position = province, position
            city.save()  # moves its counties and branches along
    return province


def add_cities_and_counties(province: Organisation) -> None:
    cities = {o.region: o for o in Organisation.objects.filter(parent=province, level=Organisation.Level.CITY)}
    Organisation.objects.bulk_create(
        [Organisation(name=committee_name(region), level=Organisation.Level.CITY, parent=province, region=region,
                      position=position)
         for position, (region, _counties) in enumerate(CITIES, start=1) if region not in cities]
    )  # fmt: skip
    cities = {o.region: o for o in Organisation.objects.filter(parent=province, level=Organisation.Level.CITY)}
    existing = set(Organisation.objects.filter(parent__in=cities.values()).values_list("parent_id", "name"))
    counties = []
    for city_region, names in CITIES:
        city = cities[city_region]
        for position, county in enumerate(names, start=1):
            region = f"{city_region}{county}" if county in AMBIGUOUS else county
            name = committee_name(region)
            if (city.pk, name) not in existing:
                counties.append(Organisation(name=name, level=Organisation.Level.COUNTY, parent=city, region=region,
                                             position=position))  # fmt: skip
    Organisation.objects.bulk_create(counties)


def branch_name(rng: random.Random, region: str) -> str:
    kind = rng.random()
    if kind < 0.4:
        school = rng.choice(SCHOOLS)
        place = "".join(rng.sample(PLACE_CHARS, 2)) if rng.random() < 0.5 else ""
        return f"{region}{place}{school}{'团委' if '中学' in school else '少先队' if '小学' in school else '团支部'}"
    if kind < 0.75:
        suffix, unit = rng.choice(TOWN_UNITS)
        return f"{region}{''.join(rng.sample(PLACE_CHARS, 2))}{suffix}{unit}"
    place = "".join(rng.sample(PLACE_CHARS, 2)) if rng.random() < 0.6 else ""
    return f"{region}{place}{rng.choice(COMPANIES)}{rng.choice(COMPANY_UNITS)}"


def add_branches(rng: random.Random, province: Organisation) -> None:
    """The branches: ten under the province, eight under each city, and each city's share of the rest spread
    evenly over its counties (counties of small cities hold more branches than those of large ones)."""
    committees = list(Organisation.objects.exclude(level=Organisation.Level.BRANCH).order_by("pk"))
    taken = set(Organisation.objects.values_list("parent_id", "name"))
    wanted: dict[int, int] = {}
    counties_of: dict[int, list[Organisation]] = {}
    for committee in committees:
        if committee.level == Organisation.Level.COUNTY:
            counties_of.setdefault(committee.parent_id, []).append(committee)
    cities = [c for c in committees if c.level == Organisation.Level.CITY]
    per_city = (BRANCHES - len(PROVINCE_BRANCHES)) // max(1, len(cities)) - len(CITY_BRANCHES)
    for city in cities:
        counties = counties_of.get(city.pk, [])
        for i, county in enumerate(counties):
            wanted[county.pk] = per_city // len(counties) + (i < per_city % len(counties))
    have = dict.fromkeys(wanted, 0)
    for parent_id, _name in Organisation.objects.filter(level=Organisation.Level.BRANCH).values_list(
        "parent_id", "name"
    ):
        if parent_id in have:
            have[parent_id] += 1
    branches = []

    def add(parent: Organisation, name: str, region: str) -> None:
        if (parent.pk, name) not in taken:
            taken.add((parent.pk, name))
            branches.append(Organisation(name=name, level=Organisation.Level.BRANCH, parent=parent, region=region))

    for name in PROVINCE_BRANCHES:
        add(province, name, province.region)
    for city in cities:
        for name in CITY_BRANCHES:
            add(city, f"{city.region}{name}", city.region)
    for committee in committees:
        if committee.pk not in wanted:
            continue
        while have[committee.pk] < wanted[committee.pk]:
            before = len(branches)
            add(committee, branch_name(rng, committee.region), committee.region)
            have[committee.pk] += len(branches) - before
    Organisation.objects.bulk_create(branches, batch_size=1000)


def add_people(rng: random.Random) -> int:
    """A secretary for each branch and a coordinator for each committee that the demo left without one."""
    from bench.generate import GIVEN, SURNAMES

    staffed = set(
        User.objects.filter(role__in=[User.Role.SECRETARY, User.Role.COORDINATOR])
        .exclude(organisation=None)
        .values_list("organisation_id", flat=True)
    )
    password = make_password(None)  # unusable: these people never log in
    users = []
    province = Organisation.objects.filter(parent=None, level=Organisation.Level.PROVINCE).order_by("pk").first()
    for organisation in Organisation.objects.order_by("path").only("pk", "level"):
        if organisation.pk in staffed:
            continue
        branch = organisation.level == Organisation.Level.BRANCH
        if organisation.pk == province.pk:
            username = PROVINCE_COORDINATOR
        else:
            username = f"bench-{'secretary' if branch else 'coordinator'}-{organisation.pk:05d}"
        users.append(
            User(username=username, last_name=rng.choice(SURNAMES), first_name="".join(rng.sample(GIVEN, 2)),
                 email=f"{username}@{data.EMAIL_DOMAIN}", password=password, organisation_id=organisation.pk,
                 role=User.Role.SECRETARY if branch else User.Role.COORDINATOR)
        )  # fmt: skip
    User.objects.bulk_create(users, batch_size=1000)
    return len(users)


def session_level(organisation_level: str, region: str) -> str:
    if organisation_level == Organisation.Level.COUNTY:
        return "district" if region.endswith("区") else "county"
    return organisation_level


def add_sessions(rng: random.Random, now: dt.datetime, past_years: int) -> int:
    """Each committee's region holds its people's congress and CPPCC every year (counties in January, the
    province late in January, cities in February); one of each is coming for every region without a coming one."""
    committees = Organisation.objects.exclude(level=Organisation.Level.BRANCH).order_by("path")
    names = set(Session.objects.values_list("name", flat=True))
    coming_regions = set(
        Session.objects.filter(submission_deadline__gt=now + dt.timedelta(days=20)).values_list("region", flat=True)
    )
    opening_day = {"province": (1, 25), "city": (2, 20), "county": (1, 10)}
    sessions = []

    def add(body, level, region, name, opening: dt.date) -> None:
        if name in names:
            return
        names.add(name)
        deadline = dt.datetime.combine(opening - dt.timedelta(days=5), dt.time(18), tzinfo=SHANGHAI)
        sessions.append(Session(body=body, level=level, region=region, name=name, opening_date=opening,
                                closing_date=opening + dt.timedelta(days=5), submission_deadline=deadline))  # fmt: skip

    year = now.year
    for committee in committees:
        level = session_level(committee.level, committee.region)
        month, day = opening_day[committee.level]
        for back in range(1, past_years + 1):
            for body, name in session_names(committee.region, year - back).items():
                add(body, level, committee.region, name, dt.date(year - back, month, day))
        if committee.region not in coming_regions:
            opening = now.date() + dt.timedelta(days=rng.randint(45, 75))
            for body, name in session_names(committee.region, opening.year).items():
                add(body, level, committee.region, name, opening)
    Session.objects.bulk_create(sessions, batch_size=1000)
    return len(sessions)
