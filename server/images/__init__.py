"""Article images: which ones changed, where they go, and the URLs Amazon reads them from.

Amazon has no image upload: a listing names each image by a public URL
(``main_product_image_locator``, ``other_product_image_locator_1..8``) and Amazon downloads
it from there. So images are put on an image server first (a local folder, FTP, FTPS, SFTP
or S3, see ``server.images.servers``), their URLs checked, and only then recorded in the
state store's ``image_uploads`` table, from which ``locators`` fills the listing.

Modules: ``content`` reads and checks an image (size cap, file type), ``status`` says
which images are new, changed or current, ``servers`` reads the configuration and opens
an image server (``ftp``, ``sftp``, ``s3`` hold the kinds), ``upload`` puts new and changed
images on the server and records them, ``http`` serves a folder of images.
"""

import logging

log = logging.getLogger(__name__)
