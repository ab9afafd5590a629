// Writing the GPT or MBR with libfdisk. See partition_table.hh.
#include "images/partition_table.hh"

#include <cstring>
#include <memory>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <libfdisk/libfdisk.h>

#include "images/disk_internal.hh"

namespace cairn::images::detail {

namespace {

constexpr uint64_t kSectorSize = 512;
constexpr const char* kEspTypeGuid = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
constexpr const char* kLinuxTypeGuid = "0FC63DAF-8483-4772-8E79-3D69D8477DE4";

/// libfdisk's return codes are -errno.
std::string fdisk_error(std::string_view what, int rc) {
  return fmt::format("{}: {}", what, std::strerror(rc < 0 ? -rc : rc));
}

struct ContextFree {
  void operator()(fdisk_context* c) const { fdisk_unref_context(c); }
};
struct PartitionFree {
  void operator()(fdisk_partition* p) const { fdisk_unref_partition(p); }
};
struct TypeFree {
  void operator()(fdisk_parttype* t) const { fdisk_unref_parttype(t); }
};

Result<void> add_partition(fdisk_context* cxt, const PartitionInfo& where, const char* type_guid,
                           const std::string& name, const std::string& uuid) {
  std::unique_ptr<fdisk_partition, PartitionFree> pa(fdisk_new_partition());
  std::unique_ptr<fdisk_parttype, TypeFree> type(
      fdisk_label_get_parttype_from_string(fdisk_get_label(cxt, nullptr), type_guid));
  if (!pa || !type) return fail("out of memory");
  int rc = 0;
  if ((rc = fdisk_partition_set_partno(pa.get(), where.number - 1)) ||
      (rc = fdisk_partition_set_start(pa.get(), where.offset / kSectorSize)) ||
      (rc = fdisk_partition_set_size(pa.get(), where.size / kSectorSize)) ||
      (rc = fdisk_partition_size_explicit(pa.get(), 1)) ||
      (rc = fdisk_partition_set_type(pa.get(), type.get())) ||
      (rc = fdisk_partition_set_name(pa.get(), name.c_str())) ||
      (rc = fdisk_partition_set_uuid(pa.get(), uuid.c_str())))
    return fail(fdisk_error(fmt::format("cannot describe partition {}", where.number), rc));
  size_t partno = 0;
  if ((rc = fdisk_add_partition(cxt, pa.get(), &partno)) != 0)
    return fail(fdisk_error(fmt::format("cannot add partition {}", where.number), rc));
  if (partno + 1 != where.number)
    return fail(fmt::format("libfdisk made partition {}, not {}", partno + 1, where.number));
  return {};
}

/// Writes an MBR ("dos" label) with the boot partition active into `fd`.
Result<void> write_mbr(fdisk_context* cxt, const DiskLayout& l, const Plan& p) {
  int rc = 0;
  if ((rc = fdisk_create_disklabel(cxt, "dos")) != 0) return fail(fdisk_error("cannot create an MBR", rc));
  std::string id = "0x" + lower(l.disk_guid.substr(0, 8));
  if ((rc = fdisk_set_disklabel_id_from_string(cxt, id.c_str())) != 0)
    return fail(fdisk_error("cannot set the disk identifier", rc));
  for (const auto& [where, code] : {std::pair{p.esp, 0x0cu}, std::pair{p.state, 0x83u}}) {
    std::unique_ptr<fdisk_partition, PartitionFree> pa(fdisk_new_partition());
    std::unique_ptr<fdisk_parttype, TypeFree> type(fdisk_label_get_parttype_from_code(fdisk_get_label(cxt, nullptr), code));
    if (!pa || !type) return fail("out of memory");
    if ((rc = fdisk_partition_set_partno(pa.get(), where.number - 1)) ||
        (rc = fdisk_partition_set_start(pa.get(), where.offset / kSectorSize)) ||
        (rc = fdisk_partition_set_size(pa.get(), where.size / kSectorSize)) ||
        (rc = fdisk_partition_size_explicit(pa.get(), 1)) || (rc = fdisk_partition_set_type(pa.get(), type.get())))
      return fail(fdisk_error(fmt::format("cannot describe partition {}", where.number), rc));
    size_t partno = 0;
    if ((rc = fdisk_add_partition(cxt, pa.get(), &partno)) != 0)
      return fail(fdisk_error(fmt::format("cannot add partition {}", where.number), rc));
  }
  if ((rc = fdisk_toggle_partition_flag(cxt, 0, DOS_FLAG_ACTIVE)) != 0)
    return fail(fdisk_error("cannot mark the boot partition active", rc));
  return {};
}

}  // namespace

/// Writes the partition table into the disk file `fd`: the protective MBR
/// and both GPTs, or an MBR (DiskLayout::table).
Result<void> write_table(int fd, const std::string& path, const DiskLayout& l, const Plan& p) {
  std::unique_ptr<fdisk_context, ContextFree> cxt(fdisk_new_context());
  if (!cxt) return fail("out of memory");
  int rc = fdisk_assign_device_by_fd(cxt.get(), fd, path.c_str(), 0);
  if (rc != 0) return fail(fdisk_error("cannot open " + path + " with libfdisk", rc));
  fdisk_disable_dialogs(cxt.get(), 1);
  if (l.table == PartitionTable::mbr) {
    if (auto ok = write_mbr(cxt.get(), l, p); !ok) return ok;
    if ((rc = fdisk_write_disklabel(cxt.get())) != 0) return fail(fdisk_error("cannot write the MBR", rc));
    fdisk_deassign_device(cxt.get(), 1);
    return {};
  }
  if ((rc = fdisk_create_disklabel(cxt.get(), "gpt")) != 0)
    return fail(fdisk_error("cannot create a GPT", rc));
  if ((rc = fdisk_set_disklabel_id_from_string(cxt.get(), lower(l.disk_guid).c_str())) != 0)
    return fail(fdisk_error("cannot set the disk GUID", rc));
  if (auto ok = add_partition(cxt.get(), p.esp, kEspTypeGuid, l.esp_label, lower(l.esp_uuid)); !ok)
    return ok;
  if (auto ok = add_partition(cxt.get(), p.state, kLinuxTypeGuid, l.state_label,
                              lower(l.state_uuid));
      !ok)
    return ok;
  if ((rc = fdisk_write_disklabel(cxt.get())) != 0)
    return fail(fdisk_error("cannot write the GPT", rc));
  // Our descriptor stays open; it is synced once everything is written.
  fdisk_deassign_device(cxt.get(), 1);
  return {};
}

}  // namespace cairn::images::detail
