import type { Config, Location } from "@ctr/schemas";
import type { Folder } from "./folder.ts";
import { LocalFolder } from "./local_folder.ts";
import { createS3Client, S3Folder } from "./s3_folder.ts";

/** Opens a configured location (local folder or `s3://bucket/prefix`) as a Folder. */
export function openFolder(location: Location, s3: Config["s3"]): Folder {
  return location.kind === "local"
    ? new LocalFolder(location.dir)
    : new S3Folder(createS3Client(s3), location.bucket, location.prefix);
}
