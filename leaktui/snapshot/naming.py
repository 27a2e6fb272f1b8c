"""Class naming on the analysed graph: DevTools' class of every node (type labels, `<tag>`
cuts, `Detached ` names, `{a, b}` interfaces of plain objects, the location split of
constructors), the class ids and keys, and which classes DevTools exports. The rules on names
and shapes themselves are in classes.py; the loops over nodes are kernels."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from leaktui.snapshot import classes as cls
from leaktui.snapshot import kernels as k
from leaktui.snapshot._base import SnapshotData


@dataclass(frozen=True)
class Location:
    script_id: int
    line: int  # 0-based, as in the file
    column: int  # 0-based



def export_key(key: tuple[int, int, int, int], name: str) -> str:
    """DevTools' snapshot-independent class key: ",Name" or "script,line,col,Name"."""
    script, line, col, _ = key
    return f",{name}" if script < 0 else f"{script},{line},{col},{name}"


def first_sized_node(class_id: np.ndarray, self_size: np.ndarray, n_classes: int) -> np.ndarray:
    """First node ordinal with non-zero self size of each class (-1 if none)."""
    return k.first_sized_node(class_id, self_size, n_classes)


class ClassNaming(SnapshotData):
    """Class names, ids and keys of `HeapSnapshot`."""

    def _compute_classes(self) -> None:
        st = cls.ClassNameTable(self.strings)
        ntype = self.node_type
        sidx = self._spare_node_row
        sidx[:] = self.node_name
        del self._spare_node_row
        # Natives renamed "Detached X" get one new string per old name.
        renamed = np.flatnonzero(self.renamed_detached)
        if renamed.size:
            old = sidx[renamed]
            uniq, inv = np.unique(old, return_inverse=True)
            new = np.asarray([st.add("Detached " + self.strings[s], "detached")
                              for s in uniq.tolist()], dtype=np.uint32)
            sidx[renamed] = new[inv]
        self.display_name_index = sidx  # the node's (possibly renamed) raw name
        class_sidx = self._spare_row()
        class_sidx[:] = sidx
        label_of_type = np.full(len(self.node_type_names) + 1, -1, dtype=np.int64)
        for type_index, type_name in enumerate(self.node_type_names):
            if type_index not in (self.T_OBJECT, self.T_NATIVE):
                label = {"hidden": "(system)", "code": "(compiled code)", "closure": "Function",
                         "regexp": "RegExp"}.get(type_name, f"({type_name})")
                label_of_type[type_index] = st.add(label, "class")
        # `<div id="a">` -> `<div>`, `Detached <div id="a">` -> `Detached <div>`.
        used = cls.names_of_types(class_sidx, ntype, self.T_OBJECT, self.T_NATIVE,
                                  st.base + len(st.added))
        tags = self.strings.indexes_starting_with("<", used[:st.base]).tolist()
        tags += [i for i in np.flatnonzero(used[st.base:]) + st.base
                 if st[int(i)].startswith("Detached <")]
        remap_from, remap_to = [], []
        for s_index in sorted(int(i) for i in tags):
            text = st[s_index]
            sp = text.find(" ", 10 if text.startswith("Detached <") else 0)
            remap_from.append(s_index)
            remap_to.append(st.add(text[:sp] + ">" if sp != -1 else text, "class"))
        cls.assign_class_strings(class_sidx, ntype, label_of_type,
                                 np.asarray(remap_from, dtype=np.int64),
                                 np.asarray(remap_to, dtype=np.int64))
        # Plain objects: {a, b} interfaces.
        self.plain_objects = self._nodes_named(self.T_OBJECT, "Object")
        self.interfaces = cls.infer_interfaces(
            self.plain_objects, self.strings, self.first_edge, self.edge_type, self.edge_name,
            self.E_PROPERTY)
        self._apply_interfaces(st, class_sidx, self.interfaces)
        self.string_table = st
        self.class_sidx = class_sidx
        self._build_class_ids()

    def _apply_interfaces(self, st: cls.ClassNameTable, class_sidx: np.ndarray,
                          definitions: list[cls.InterfaceDefinition]) -> None:
        shape, per_shape = cls.apply_interfaces(
            definitions, self.plain_objects, self.strings, self.first_edge, self.edge_type,
            self.edge_name, self.E_PROPERTY)
        if self.plain_objects.size == 0:
            return
        shape_sidx = np.asarray([-1 if m is None else st.add(m, "interface")
                                 for m in per_shape], dtype=np.int64)
        values = shape_sidx[shape]
        hit = values >= 0
        raw = self.node_name[self.plain_objects].astype(np.int64)
        class_sidx[self.plain_objects] = np.where(hit, values, raw).astype(class_sidx.dtype)

    @cached_property
    def locations(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(node ordinals ascending, script ids, lines, columns); last entry wins, as in
        DevTools' location map."""
        loc = self.raw.locations
        lay = self.layout
        if loc is None or not loc.size:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty, empty
        nodes = loc[lay.location_object] // np.uint32(lay.node_fields)
        if nodes.size < 2 or bool((nodes[1:] > nodes[:-1]).all()):
            # V8 writes them in node order, once each: nothing to pick.
            result = (nodes.astype(np.int64), loc[lay.location_script].copy(),
                      loc[lay.location_line].copy(), loc[lay.location_column].copy())
        else:
            rev = nodes[::-1]
            uniq, first_in_rev = np.unique(rev, return_index=True)
            pick = nodes.size - 1 - first_in_rev
            result = (uniq.astype(np.int64), loc[lay.location_script][pick],
                      loc[lay.location_line][pick], loc[lay.location_column][pick])
        self.raw.locations = None  # kept here, in node order, from now on
        return result

    def location(self, node: int) -> Location | None:
        nodes, script, line, col = self.locations
        i = int(np.searchsorted(nodes, node))
        if i < nodes.size and nodes[i] == node:
            return Location(int(script[i]), int(line[i]), int(col[i]))
        return None

    def _spare_row(self) -> np.ndarray:
        return self._spare_rows.pop() if self._spare_rows else np.empty(self.node_count,
                                                                        dtype=np.uint32)

    def _build_class_ids(self) -> None:
        self.class_id, self.class_keys, self.class_names = self.class_ids_for(
            self.class_sidx, out=self._spare_row().view(np.int32))

    def class_ids_for(
        self, class_sidx: np.ndarray, out: np.ndarray | None = None
    ) -> tuple[np.ndarray, list[tuple[int, int, int, int]], list[str]]:
        """Class id per node for the given class-name string per node: one id per string
        index, plus one per (location, class) for objects with a location (DevTools'
        classKeyInternal). Returns (ids, keys as (script, line, col, string), names)."""
        st = self.string_table
        used = np.flatnonzero(k.values_used(class_sidx, st.base + len(st.added)))
        id_of_sidx = np.full(st.base + len(st.added), -1, dtype=np.int32)
        id_of_sidx[used] = np.arange(used.size, dtype=np.int32)
        class_id = k.lookup_into(id_of_sidx, class_sidx,
                                 np.empty(class_sidx.shape[0], dtype=np.int32) if out is None
                                 else out)
        keys = [(-1, -1, -1, int(s)) for s in used.tolist()]
        loc_nodes, script, line, col = self.locations
        if loc_nodes.size:
            firsts = cls.located_class_ids(loc_nodes, script, line, col, self.node_type,
                                           self.T_OBJECT, class_sidx, used.size, class_id)
            keys.extend((int(script[f]), int(line[f]), int(col[f]),
                         int(class_sidx[loc_nodes[f]])) for f in firsts.tolist())
        return class_id, keys, [st[s] for (_, _, _, s) in keys]

    def reclassified(self, definitions: list[cls.InterfaceDefinition]) -> np.ndarray:
        """Class-name string per node if plain objects took ``definitions`` (as DevTools does
        to the base snapshot of a comparison)."""
        class_sidx = self.class_sidx.copy()
        self._apply_interfaces(self.string_table, class_sidx, definitions)
        return class_sidx

    def class_key(self, class_id: int) -> str:
        return export_key(self.class_keys[class_id], self.class_names[class_id])

    def exported_classes(
        self, class_id: np.ndarray, keys: list[tuple[int, int, int, int]], names: list[str],
        first: np.ndarray | None = None,
    ) -> dict[str, int]:
        """DevTools exports classes keyed by text; equal texts from different string indexes
        collide and the class met last (first non-empty instance in node order) wins.
        Returns {exported key: class id}, in DevTools' Map insertion order."""
        if first is None:
            first = first_sized_node(class_id, self.self_size, len(keys))
        present = np.flatnonzero(first >= 0)
        winners: dict[str, int] = {}
        for c in present[np.argsort(first[present], kind="stable")].tolist():
            key = export_key(keys[c], names[c])
            winners.pop(key, None)
            winners[key] = c
        return winners
