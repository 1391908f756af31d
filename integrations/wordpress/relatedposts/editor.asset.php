<?php
/**
 * The editor script's dependencies and version (the shape a build step would write).
 *
 * @package relatedposts
 */

return array(
	'dependencies' => array( 'wp-blocks', 'wp-element', 'wp-server-side-render', 'wp-block-editor', 'wp-components' ),
	'version'      => '0.1.0',
);
