import csv
allrows = {}
for f in ["a004_1","a003_2","a003_1","a002_1","a001_1","a000_1"]:
    ns = {}
    exec(open(f + ".py", encoding="utf-8").read(), ns)
    for r in ns["rows"]:
        assert r[0] not in allrows, r[0]
        allrows[r[0]] = r
with open("/tmp/coder_b/sheet_empty.csv", encoding="utf-8") as fh:
    sheet = list(csv.DictReader(fh))
cols = ["unit_id","TRANSFORMATION","SAFETY_SENSE","OUTCOME","QUANTIFIED","TECH_AGENCY","CONTROL","SERVICE","PARTNERSHIP","SPEAKER","note"]
with open("/tmp/coder_b/coder_b.csv","w",encoding="utf-8",newline="") as out:
    w = csv.writer(out); w.writerow(cols)
    for s in sheet:
        r = allrows[s["unit_id"]]
        r = list(r); r[10] = r[10] or "clear case"; w.writerow(r)
print(len(sheet), len(allrows), set(allrows) - {s["unit_id"] for s in sheet})
