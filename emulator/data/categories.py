"""A small, realistic slice of the mini-program category tree served by getallcategories.

Ids and names follow the shape of WeChat's tree (first level with second-level children);
`sensitive_type: 1` marks categories that need qualification documents (certicates).
"""

from __future__ import annotations

from typing import Any

# (id, name, father, sensitive_type, qualification remark)
_NODES: list[tuple[int, str, int, int, str]] = [
    (287, "工具", 0, 0, ""),
    (616, "信息查询", 287, 0, ""),
    (612, "办公", 287, 0, ""),
    (613, "设计", 287, 0, ""),
    (304, "商家自营", 0, 0, ""),
    (305, "服装/鞋/箱包", 304, 0, ""),
    (321, "食品", 304, 1, "需提供《食品经营许可证》"),
    (322, "美妆/洗护", 304, 0, ""),
    (150, "教育", 0, 0, ""),
    (151, "在线视频课程", 150, 1, "需提供办学许可证或相关资质"),
    (155, "教育信息服务", 150, 0, ""),
    (217, "餐饮", 0, 0, ""),
    (218, "点评与推荐", 217, 0, ""),
    (220, "菜谱", 217, 0, ""),
    (632, "生活服务", 0, 0, ""),
    (633, "家政", 632, 0, ""),
    (635, "环保回收/废品回收", 632, 0, ""),
]


def _node(cid: int, name: str, father: int, sensitive: int, remark: str) -> dict[str, Any]:
    children = [n[0] for n in _NODES if n[2] == cid]
    return {
        "id": cid, "name": name, "level": 1 if father == 0 else 2, "father": father,
        "children": children, "sensitive_type": sensitive,
        "qualify": {"exter_list": [{"inner_list": [{"name": remark, "url": ""}]}] if remark else [],
                    "remark": remark},
        "type": 0, "is_hidden": False, "available_api_list": [], "apis": [], "available_for_plugin": True,
    }


CATEGORY_TREE: dict[int, dict[str, Any]] = {n[0]: _node(*n) for n in _NODES}
ROOT = {"id": 0, "name": "", "level": 0, "father": 0,
        "children": [n[0] for n in _NODES if n[2] == 0], "sensitive_type": 0}


def is_pair(first: int, second: int) -> bool:
    node = CATEGORY_TREE.get(second)
    return node is not None and node["father"] == first and first in CATEGORY_TREE


def name_of(cid: int) -> str:
    node = CATEGORY_TREE.get(cid)
    return node["name"] if node else ""
