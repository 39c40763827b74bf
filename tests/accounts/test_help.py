"""使用说明: one help page per role, and one for workers without an account, linked from
every page's footer (accounts.views.help_page)."""

import pytest
from django.urls import reverse

HELP = reverse("help")

# Each role's main tasks, as its help names them (menu items and buttons, in Chinese).
MAIN_TASKS = {
    "admin_user": ["区总工会办公室", "用户与设置", "运行规则", "审批本批次", "生成发放文件",
                   "导入银行回盘", "发布", "显示完整身份证号和手机号（将记录）"],
    "leader": ["领导小组", "数据看板", "旬报告与月通报", "导出Excel", "我的导出"],
    "street_staff_dawangzhuang": ["街道总工会", "网上申请入会", "批准并办理入会", "驳回",
                                  "二维码海报", "职工入会登记", "登记建会进展", "Excel导入",
                                  "填写", "绑定会员服务卡", "登记会费"],
    "community_staff_dawangzhuang": ["社区工会", "职工与会员", "职工入会登记", "绑定会员服务卡",
                                     "登记会费", "Excel导入", "录入申报"],
    "industry_staff_property": ["行业工会联合会", "登记建会进展", "职工入会登记", "Excel导入",
                                "填写", "录入申报"],
    "liaison_zhujianwei": ["职能部门", "单位", "添加进展说明"],
}
# The tasks the portal gained later (the office's own pages, bulk review, the card after
# approval, routing to the community union, members to transfer, dues by the month): each
# role's help names them with the labels of their pages.
NEW_TASKS = {
    "admin_user": ["用户账号", "新建用户", "创建账号", "设置临时密码", "解除锁定", "停用",
                   "重新启用", "接口密钥", "生成密钥", "吊销密钥", "访问日志", "项目年度设置",
                   "Django管理后台仅供开发人员使用"],
    "street_staff_dawangzhuang": ["批量审核申请", "批准勾选的申请", "勾选的申请不予通过", "户籍类型",
                                  "就业形式", "入会日期", "未通过原因", "批量审核结果",
                                  "会员服务卡号", "未绑定会员服务卡的会员", "无会员服务卡",
                                  "待转会会员", "全部转会", "确认转会", "同一天", "会籍不中断",
                                  "会费登记", "勾选全部未缴会员", "登记勾选的缴费", "不勾选任何人",
                                  "新会员归入哪个工会", "职工所属社区的社区工会", "所属社区",
                                  "手动选择"],
    "community_staff_dawangzhuang": ["会费登记", "勾选全部未缴会员", "登记勾选的缴费", "不勾选任何人",
                                     "已缴月份保持原登记不变", "零散就业职工和未建会单位职工入会",
                                     "所属社区"],
    "industry_staff_property": ["待转会会员", "全部转会", "确认转会", "会籍不中断",
                                "新会员归入哪个工会", "所属社区", "手动选择"],
}
WORKERS_TASKS = ["提交申请", "查询", "申领", "名额已满", "会员服务卡号（选填）", "会员编号",
                 "是否已绑定会员服务卡", "身份证", "页面所列的街道总工会", reverse("applications:apply"),
                 reverse("applications:status"), reverse("subsidies:public_spring_return"),
                 reverse("subsidies:public_self_service")]


def _page(response):
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(MAIN_TASKS))
def test_each_role_reads_its_own_help(client, request, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    page = _page(client.get(HELP))
    assert f'data-role="{user.role}"' in page
    for task in MAIN_TASKS[role]:
        assert task in page, task
    assert "首先要做的事" in page and "常用操作步骤" in page and "联系谁" in page
    assert "区总工会办公室" in page
    assert f"{HELP}?for=workers" in page  # what the workers read, to tell them


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(NEW_TASKS))
def test_each_role_help_tells_its_later_tasks(client, request, role):
    client.force_login(request.getfixturevalue(role))
    page = _page(client.get(HELP))
    for task in NEW_TASKS[role]:
        assert task in page, task


@pytest.mark.django_db
def test_the_office_help_names_its_own_menu_item(client, admin_user):
    from accounts.navigation import FEATURES_BY_SLUG

    client.force_login(admin_user)
    assert f"<b>{FEATURES_BY_SLUG['office'].label}</b>" in _page(client.get(HELP))


@pytest.mark.django_db
def test_the_help_names_menu_items_the_role_has(client, street_staff_dawangzhuang):
    from accounts.navigation import navigation_for

    client.force_login(street_staff_dawangzhuang)
    page = _page(client.get(HELP))
    for slug in ("applications", "units", "workers", "imports", "reports", "subsidies"):
        (feature,) = [f for f in navigation_for(street_staff_dawangzhuang) if f.slug == slug]
        assert f"<b>{feature.label}</b>" in page


@pytest.mark.django_db
def test_without_an_account_the_workers_help(client, organisation_structure):
    page = _page(client.get(HELP, HTTP_ACCEPT_LANGUAGE="en-US"))
    assert 'data-role="workers"' in page and 'lang="zh-hans"' in page
    for task in WORKERS_TASKS:
        assert task in page, task
    assert "社区工会" in page and "区总工会办公室" in page


@pytest.mark.django_db
def test_staff_open_the_workers_help_too(client, community_staff_dawangzhuang):
    client.force_login(community_staff_dawangzhuang)
    assert 'data-role="workers"' in _page(client.get(HELP, {"for": "workers"}))


@pytest.mark.django_db
def test_the_office_phone_is_shown_only_when_set(client, settings, organisation_structure):
    settings.HELP_CONTACT_PHONE = ""
    page = _page(client.get(HELP))
    assert 'data-testid="help-phone"' not in page and "电话：" not in page
    settings.HELP_CONTACT_PHONE = "022-24123456"
    page = _page(client.get(HELP))
    assert 'data-testid="help-phone">022-24123456<' in page and "电话：" in page


@pytest.mark.django_db
def test_the_help_is_english_once_chosen(client, leader):
    client.force_login(leader)
    client.cookies["django_language"] = "en"
    page = _page(client.get(HELP))
    assert "What to do first" in page and "Leadership group" in page


@pytest.mark.django_db
def test_every_page_links_the_help_in_its_footer(client, street_staff_dawangzhuang):
    link = f'href="{HELP}" class="link-secondary text-nowrap" data-testid="help-link"'
    for url in (reverse("login"), reverse("applications:apply"),
                reverse("subsidies:public_spring_return"), "/no-such-page/"):
        assert link in client.get(url).content.decode(), url
    client.force_login(street_staff_dawangzhuang)
    for url in (reverse("home"), reverse("membership:unit_list"), reverse("applications:list"),
                HELP):
        response = client.get(url)
        assert response.status_code == 200 and link in response.content.decode(), url
