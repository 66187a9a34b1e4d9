// SPDX-License-Identifier: GPL-2.0
/*
 * drvmem test kit: kmemleak's scan and its reports, from inside a test.
 *
 * The ledger sees what the owner's own functions allocate in the test's
 * task.  A leak made elsewhere (a worker, a callback, a library the driver
 * calls) is seen by kmemleak, which scans memory for pointers to every
 * object: one nothing points to is reported, with the stack that
 * allocated it.  drvmem_kmemleak_scan() runs a scan now and reads the
 * reports, as "echo scan > /sys/kernel/debug/kmemleak; cat" would, for a
 * suite that runs after all others (kunit/kmemleak_kunit.c).
 *
 * kmemleak's scan and its mutex are static to mm/kmemleak.c, and its
 * debugfs file takes user pointers for writes: the scan is reached by
 * name (kallsyms, as the kit reaches other knobs), the reports by reading
 * the debugfs file through its seq_file into a kernel buffer.  kmemleak
 * reports an object only once it is 5 seconds old (its jiffies_min_age),
 * lest a pointer held only in a CPU's register make a leak of an object
 * just allocated; the kit's scan is for a caller whose allocations are
 * done with, so it judges every object, whatever its age (the age is put
 * back after it): a leak check needs no 5-second wait.
 *
 * Copyright (c) 2026 drvmem authors
 */

#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/kallsyms.h>
#include <linux/kmemleak.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "kit_internal.h"

/* room for the reports (about 1 KiB each); more is an error */
#define KIT_KMEMLEAK_BUF	SZ_4M

/* kmemleak's own line after a scan that found something */
static const char * const kit_kmemleak_scan_says[] = {
	"suspected memory leak", NULL
};

/* mm/kmemleak.c's static void kmemleak_scan(void) */
typedef void (*kit_scan_fn)(void);

/*
 * make kunit boots UML with memory held back from the kernel by
 * reserve_mem=SIZE:ALIGN:drvmem (ci/drvmem.sh says why).  memblock gives
 * kmemleak that block as one object to scan for pointers, and a scan
 * would read all of it (4 s for 896 MiB); nothing lives in it.
 */
static void kit_kmemleak_skip_reserve(void)
{
	phys_addr_t start, size;

	if (reserve_mem_find_by_name("drvmem", &start, &size))
		kmemleak_ignore_phys(start);
}

static int kit_kmemleak_run_scan(struct kunit *test)
{
	kit_scan_fn scan = (kit_scan_fn)drvmem_kit_lookup_name("kmemleak_scan");
	struct mutex *lock = (void *)drvmem_kit_lookup_name("scan_mutex");
	const char * const *allow = NULL;
	struct kunit_resource *res;
	struct drvmem_kit *kit = NULL;

	if (!scan || !lock)
		return -ENOENT;
	/* the scan's "N new suspected memory leaks" is not a report here */
	res = kunit_find_named_resource(test, "drvmem_kit");
	if (res) {
		kit = res->data;
		kunit_put_resource(res);
		allow = kit->trip.allow;
		kit_tripwire_allow(kit, kit_kmemleak_scan_says);
	}
	/*
	 * Twice: an object is reported only if its contents did not change
	 * since the previous scan, and a new object's have (from nothing).
	 */
	mutex_lock(lock);
	kit_kmemleak_skip_reserve();
	scan();
	scan();
	mutex_unlock(lock);
	if (kit)
		kit_tripwire_allow(kit, allow);
	return 0;
}

/* Read the debugfs file's seq_file into @buf: what "cat" would print. */
static ssize_t kit_kmemleak_read(struct file *f, char *buf, size_t size)
{
	struct kiocb kiocb;
	struct iov_iter iter;
	struct kvec kv;
	size_t len = 0;
	ssize_t n;

	init_sync_kiocb(&kiocb, f);
	do {
		kv = (struct kvec) { .iov_base = buf + len,
				     .iov_len = size - 1 - len };
		iov_iter_kvec(&iter, ITER_DEST, &kv, 1, kv.iov_len);
		n = seq_read_iter(&kiocb, &iter);
		if (n < 0)
			return n;
		len += n;
	} while (n > 0 && len < size - 1);
	buf[len] = '\0';
	return len;
}

/* Scan first if @scan; read the reports of the last scan into @reports. */
static int kit_kmemleak_reports(struct kunit *test, bool scan,
				const char **reports)
{
	struct file_system_type *type;
	struct vfsmount *mnt;
	unsigned long *min_age, age;
	struct file *f;
	ssize_t n;
	char *buf;
	int ret;

	*reports = "";
	buf = kvzalloc(KIT_KMEMLEAK_BUF, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = kunit_add_action_or_reset(test, kit_kvfree_action, buf);
	if (ret)
		return ret;
	/* mm/kmemleak.c's static unsigned long jiffies_min_age */
	min_age = (unsigned long *)drvmem_kit_lookup_name("jiffies_min_age");
	if (!min_age)
		return -ENOENT;
	/* debugfs is not mounted where tests run: a mount of our own */
	type = get_fs_type("debugfs");
	if (!type)
		return -ENODEV;
	mnt = kern_mount(type);
	drvmem_kit_put_filesystem(type);
	if (IS_ERR(mnt))
		return PTR_ERR(mnt);
	/* the scan and the reports' listing both apply the age */
	age = READ_ONCE(*min_age);
	WRITE_ONCE(*min_age, 0);
	ret = scan ? kit_kmemleak_run_scan(test) : 0;
	if (ret)
		goto err_restore_age;
	f = file_open_root_mnt(mnt, "kmemleak", O_RDONLY, 0);
	if (IS_ERR(f)) {
		ret = PTR_ERR(f);
		goto err_restore_age;
	}
	n = kit_kmemleak_read(f, buf, KIT_KMEMLEAK_BUF);
	fput(f);
	ret = n < 0 ? n : n == KIT_KMEMLEAK_BUF - 1 ? -EFBIG : 0;
	if (!ret)
		*reports = buf;
err_restore_age:
	WRITE_ONCE(*min_age, age);
	kern_unmount(mnt);
	return ret;
}

/**
 * drvmem_kmemleak_scan() - have kmemleak scan memory now, and read its reports
 * @test: the test; the reports are freed when it ends
 * @reports: set to kmemleak's reports, NUL-terminated, "" for none
 *
 * Every object unreferenced is reported, however young (kmemleak's own
 * scans wait until an object is 5 seconds old), as in
 * /sys/kernel/debug/kmemleak: "unreferenced object 0x... (size N):", the
 * allocating task, and the backtrace of the allocation.  Under QEMU
 * without KVM (x86_64, 1 GiB) the scan takes about 10 s, and reading the
 * reports about as long again: a test that wants the same verdict again
 * reads it, drvmem_kmemleak_last().
 *
 * Return: 0, or a negative errno if kmemleak or its file cannot be reached
 * (-EFBIG: more reports than the kit has room for).
 */
int drvmem_kmemleak_scan(struct kunit *test, const char **reports)
{
	return kit_kmemleak_reports(test, true, reports);
}
EXPORT_SYMBOL_GPL(drvmem_kmemleak_scan);

/**
 * drvmem_kmemleak_last() - read the reports of kmemleak's last scan
 * @test: the test; the reports are freed when it ends
 * @reports: set to the reports, NUL-terminated, "" for none
 *
 * As drvmem_kmemleak_scan(), without scanning: what the last scan (the
 * kit's, or kmemleak's own) found still unreferenced.  An object made
 * since that scan is not judged.
 *
 * Return: 0, or a negative errno as drvmem_kmemleak_scan().
 */
int drvmem_kmemleak_last(struct kunit *test, const char **reports)
{
	return kit_kmemleak_reports(test, false, reports);
}
EXPORT_SYMBOL_GPL(drvmem_kmemleak_last);

/* Is @frame ("name+0x../0x..") in a broken fixture? */
static bool kit_fixture_frame(const char *frame)
{
	char sym[KSYM_NAME_LEN];
	unsigned long addr;

	strscpy(sym, frame, min_t(size_t, sizeof(sym),
				  strcspn(frame, "+\n") + 1));
	addr = drvmem_kit_lookup_name(sym);
	return addr >= (unsigned long)drvmem_fixtures_start &&
	       addr < (unsigned long)drvmem_test_code_start;
}

/*
 * The frame of a report's backtrace that asked for the object: the first
 * after kmemleak's own hooks that is not an allocation API.  An object a
 * kernel function allocated for itself on the way (the name of a sysfs
 * kobject, say) is that function's, even with drvmem up the stack.
 */
static const char *kit_kmemleak_owner(const char *bt, const char *end,
				      char *sym, size_t len)
{
	const char *f = strchrnul(bt, '\n');
	bool hooks = true;

	while (*f && (!end || f < end)) {
		f = skip_spaces(f);
		strscpy(sym, f, min_t(size_t, len, strcspn(f, "+\n") + 1));
		if (!strncmp(sym, "kmemleak_", 9))
			hooks = false;
		else if (!hooks && !kit_alloc_api(sym))
			return f;
		f = strchrnul(f, '\n');
	}
	return NULL;
}

/**
 * drvmem_kmemleak_report() - count the reports of objects a function asked for
 * @reports: drvmem_kmemleak_scan()'s reports
 * @name: a piece of a symbol, e.g. "drvmem_" for drvmem's code
 * @fixtures: count the objects of the broken fixtures (kunit/broken/),
 *	which leak on purpose; false for the leak check after the run
 * @out: set to the first such report's first line and that frame
 * @len: size of @out
 *
 * An object is a function's when the function asked an allocation API
 * for it (kit_kmemleak_owner()).
 *
 * Return: how many reports are of objects a function named @name asked for.
 */
unsigned int drvmem_kmemleak_report(const char *reports, const char *name,
				    bool fixtures, char *out, size_t len)
{
	static const char head[] = "unreferenced object";
	const char *end = reports + strlen(reports);
	const char *r, *next, *bt, *owner;
	char sym[KSYM_NAME_LEN];
	unsigned int nr = 0;

	if (len)
		out[0] = '\0';
	/*
	 * Every search is bounded by the end of the report it is in: a run's
	 * reports are hundreds of KiB (240 KiB, some 300 reports, on 6.12
	 * UML), and strstr() measures what is left of its haystack at each
	 * call, which made this loop quadratic.
	 */
	r = strnstr(reports, head, end - reports);
	for (; r; r = next) {
		next = strnstr(r + 1, head, end - r - 1);
		/* the backtrace only: the hex dump may spell a name too */
		bt = strnstr(r, "backtrace", (next ?: end) - r);
		if (!bt)
			continue;
		owner = kit_kmemleak_owner(bt, next, sym, sizeof(sym));
		if (!owner || !strstr(sym, name) ||
		    (!fixtures && kit_fixture_frame(owner)))
			continue;
		if (!nr++ && len)
			scnprintf(out, len, "%.*s ... %.*s",
				  (int)(strchrnul(r, '\n') - r), r,
				  (int)(strchrnul(owner, '\n') - owner), owner);
	}
	return nr;
}
EXPORT_SYMBOL_GPL(drvmem_kmemleak_report);
