"""Print the regression figures of the shipped runs (paste into expected.json with a reason)."""
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
from model.pipeline import solve_region  # noqa: E402
from model.solve import SolveOptions  # noqa: E402

RUNS = [("jinan", []), ("xinzhou", []), ("xinzhou", ["plan_mix"])]


def figures(region: str, scenarios: list[str]) -> dict:
    ds = solve_region(REPO / "inputs" / region, 2022, scenarios, options=SolveOptions(mip_gap=1e-4)).dataset
    cats: dict[str, float] = {}
    for r, v in ds.households_converted.sum("county").to_series().items():
        c = str(ds.route_category.sel(route=r).values)
        cats[c] = cats.get(c, 0) + float(v)
    return {"objective_10k_yuan_per_a": round(float(ds.objective), 1),
            "households_converted": int(ds.households_converted.sum()),
            "by_category": {k: int(v) for k, v in sorted(cats.items()) if v},
            "gas_annual_10k_m3": round(float(ds.gas_annual), 1),
            "transformer_upgrade_units": int(ds.transformer_upgrade_units.sum()),
            "storage_modules": int(ds.storage_modules), "status": ds.attrs["status"], "mip_gap": float(ds.attrs["mip_gap"]),
            "binding_families": sorted(set(ds.constraint_family.values[ds.constraint_binding.values == 1].tolist()))}


if __name__ == "__main__":
    print(json.dumps({"+".join([r] + s): figures(r, s) for r, s in RUNS}, indent=1, ensure_ascii=False))
